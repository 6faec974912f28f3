import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { taskKey, type EvalStatus, type EvalTask } from '../../src/index.js';
import { readTaskFile } from '../../src/index.js';

/** The task files written for these tests (HumanEval-X and MultiPL-E formats), each task with two solutions. */
export const TASKS_DIR = path.join(import.meta.dirname, 'tasks');

export interface FixtureTask {
  task: EvalTask;
  /** The file's canonical completion, and one broken on purpose with the status it must end with. */
  canonical: string;
  broken: string;
  brokenStatus: EvalStatus;
}

export async function fixtureTasks(file: string): Promise<FixtureTask[]> {
  const tasks = await readTaskFile(file);
  const rows = (await readFile(file, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, string>);
  return tasks.map((task, i) => ({
    task,
    canonical: rows[i]!['canonical_solution']!,
    broken: rows[i]!['broken_solution']!,
    brokenStatus: rows[i]!['broken_status'] as EvalStatus,
  }));
}

export async function fixtureFiles(): Promise<string[]> {
  return (await readdir(TASKS_DIR)).filter((f) => f.endsWith('.jsonl')).map((f) => path.join(TASKS_DIR, f));
}

/**
 * A chat model's answer made of a completion: the prompt and the completion as one complete function in a
 * fenced block, as a model asked for the whole function writes it (MultiPL-E's completions stop before the
 * function's closing brace, and Java's before the class's too, which the answer then closes).
 */
export function chatAnswer(task: EvalTask, completion: string): string {
  const close =
    task.format !== 'multipl-e' || task.language === 'python' ? '' : task.language === 'java' ? '    }\n}\n' : '}\n';
  return `Here is the function:\n\n\`\`\`${task.language}\n${task.prompt}${completion}${close}\n\`\`\`\n\nIt handles the examples.`;
}

export const fixtureKey = (task: EvalTask): string => taskKey(task);
