import { BattlesParser, formatOf, type BattleRecord } from '@arena/ranking';
import type { ImportedTurn } from '../battles/battles.repository.js';
import { parseFile } from './input-file.js';

/**
 * The battle records of a FastChat clean-battle file (JSON, JSONL or CSV, told by its extension), one call
 * of `onRecord` each, read chunk by chunk; an unreadable file is a usage error, a malformed one a
 * `BattlesFileError` naming the place.
 */
export function readBattleRecords(file: string, onRecord: (record: BattleRecord) => void): Promise<void> {
  return parseFile(file, new BattlesParser(formatOf(file), onRecord, file));
}

/**
 * The user turns of a FastChat row's conversation (`conversation_a` / `conversation_b`, OpenAI message form),
 * each with both sides' answers: prompts are `conversation_a`'s user messages (else `conversation_b`'s), each
 * side's answer to turn k is the assistant message after its k-th user message. A row without a
 * conversation has one turn with an empty prompt and no answers.
 */
export function importedTurns(extra: Record<string, unknown>): ImportedTurn[] {
  const sides = { a: messagesOf(extra['conversation_a']), b: messagesOf(extra['conversation_b']) };
  const prompts = (sides.a.length > 0 ? sides.a : sides.b).filter((m) => m.role === 'user').map((m) => m.content);
  if (prompts.length === 0) return [{ prompt: '', answers: {} }];
  const answers = (messages: Message[]): (string | undefined)[] => {
    const out: (string | undefined)[] = [];
    let turn = -1;
    for (const m of messages) {
      if (m.role === 'user') turn += 1;
      else if (m.role === 'assistant' && turn >= 0 && out[turn] === undefined) out[turn] = m.content;
    }
    return out;
  };
  const perSide = { a: answers(sides.a), b: answers(sides.b) };
  return prompts.map((prompt, turn) => {
    const t: ImportedTurn = { prompt, answers: {} };
    for (const side of ['a', 'b'] as const) {
      const text = perSide[side][turn];
      if (text !== undefined) t.answers[side] = text;
    }
    return t;
  });
}

interface Message {
  role: string;
  content: string;
}

function messagesOf(value: unknown): Message[] {
  // CSV rows carry the conversation as JSON text.
  if (typeof value === 'string' && value.startsWith('[')) {
    try {
      return messagesOf(JSON.parse(value));
    } catch {
      return [];
    }
  }
  if (!Array.isArray(value)) return [];
  return value.flatMap((m: unknown) => {
    if (typeof m !== 'object' || m === null) return [];
    const { role, content } = m as { role?: unknown; content?: unknown };
    if (typeof role !== 'string') return [];
    if (typeof content === 'string') return [{ role, content }];
    // Content as parts ([{ type: 'text', text }]): the text parts joined.
    if (Array.isArray(content)) {
      const text = content
        .map((p: unknown) =>
          typeof p === 'object' && p && typeof (p as { text?: unknown }).text === 'string'
            ? (p as { text: string }).text
            : '',
        )
        .join('');
      return [{ role, content: text }];
    }
    return [];
  });
}
