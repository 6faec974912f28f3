import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedData } from '@arena/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractCode } from '../src/extraction/code-extraction.js';
import { SandboxRegistry } from '../src/registry.js';

/**
 * Every recorded Arena-Hard answer (three models, 1,500 answers) through extraction and execution, as a
 * battle would run it: no runner may crash (`internal_error`), and a normal run still succeeds afterwards.
 * The status counts go to `.reports/real-answers.json` and the test log.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const SUITE = 'real model answers through extraction and execution';
const shared = sharedData(SUITE, ['arena-hard-v0.1']);
const DATA = path.join(shared.dir, 'arena-hard-v0.1/model_answer');
const MODELS = ['gpt-4-0314', 'gpt-4-0613', 'gpt-3.5-turbo-0125'];
const CONCURRENCY = 4;

describe.skipIf(shared.missing)(SUITE, () => {
  const registry = new SandboxRegistry({
    isolatedVm: { size: 2 },
    docker: { poolSize: 2, maxConcurrent: CONCURRENCY },
  });
  beforeAll(() => registry.warm(), 120_000);
  afterAll(() => registry.close());

  it('runs every runnable answer without a runner crashing', { timeout: 900_000 }, async () => {
    const jobs: { model: string; uid: string; environment: string; code: string; installCommand?: string }[] = [];
    let answers = 0;
    for (const model of MODELS) {
      for (const line of readFileSync(path.join(DATA, `${model}.jsonl`), 'utf8').split('\n')) {
        if (!line.trim()) continue;
        const row = JSON.parse(line) as {
          uid: string;
          messages: { role: string; content: { answer: string } | string }[];
        };
        const content = row.messages.find((m) => m.role === 'assistant')?.content ?? '';
        answers++;
        const x = extractCode(typeof content === 'string' ? content : content.answer);
        if (!x || x.environment === 'none') continue;
        jobs.push({
          model,
          uid: row.uid,
          environment: x.environment,
          code: x.code,
          ...(x.installCommand ? { installCommand: x.installCommand } : {}),
        });
      }
    }
    const counts: Record<string, Record<string, number>> = {};
    const crashes: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < jobs.length) {
          const job = jobs[next++]!;
          const result = await registry.run({
            environment: job.environment as Parameters<SandboxRegistry['run']>[0]['environment'],
            code: job.code,
            ...(job.installCommand ? { installCommand: job.installCommand } : {}),
            limits: { wallMs: 3_000, cpuMs: 2_000 },
          });
          const key = `${job.environment} (${result.runner})`;
          counts[key] ??= {};
          counts[key][result.status] = (counts[key][result.status] ?? 0) + 1;
          if (result.status === 'internal_error') crashes.push(`${job.model}/${job.uid}: ${result.message ?? ''}`);
        }
      }),
    );
    const report = { answers, runnable: jobs.length, counts };
    await mkdir(path.join(here, '../../.reports'), { recursive: true });
    await writeFile(path.join(here, '../../.reports/real-answers.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(JSON.stringify(report, null, 2));
    expect(crashes).toEqual([]);
    expect(jobs.length).toBeGreaterThan(400);
    const after = await registry.run({ environment: 'python', code: 'print("still healthy")' });
    expect(after.status).toBe('ok');
  });
});
