import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';

const AnswerRow = z.object({
  uid: z.string(),
  model: z.string().optional(),
  messages: z.array(
    z.object({
      role: z.string(),
      content: z.union([z.string(), z.object({ answer: z.string() })]),
    }),
  ),
});
const QuestionRow = z.object({
  uid: z.string(),
  prompt: z.string().optional(),
  turns: z.array(z.object({ content: z.string() })).optional(),
});

export interface ReplayMatch {
  uid: string;
  answer: string;
  /** `conversation`: a recorded multi-turn answer whose user turns are this conversation's, in order. */
  match: 'exact' | 'similar' | 'conversation';
  similarity: number;
}

/** A recorded multi-turn answer: its user turns (normalised) and the answer to each. */
interface RecordedConversation {
  uid: string;
  users: string[];
  answers: string[];
}

export function normalizePrompt(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

function terms(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of normalizePrompt(text).match(/[\p{L}\p{N}_]+/gu) ?? [])
    counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}

async function* readJsonl(file: string): AsyncGenerator<{ line: number; value: unknown }> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    if (!text.trim()) continue;
    try {
      yield { line, value: JSON.parse(text) };
    } catch {
      throw new Error(`${file}:${line}: not valid JSON`);
    }
  }
}

/**
 * Recorded answers in the Arena-Hard `model_answer` format with their `question.jsonl`: a prompt is
 * answered by exact match of its normalised text, otherwise by the most similar recorded prompt
 * (cosine of term counts weighted by inverse document frequency).
 */
export class ReplayIndex {
  private readonly byPrompt = new Map<string, string>();
  private readonly docs: { uid: string; vector: Map<string, number>; norm: number }[] = [];
  private readonly idf = new Map<string, number>();
  /** Multi-turn recorded answers, by their first user turn (normalised). */
  private readonly conversations = new Map<string, RecordedConversation[]>();

  private constructor(private readonly answers: Map<string, string>) {}

  get size(): number {
    return this.docs.length;
  }

  static async load(answersFile: string, questionsFile: string): Promise<ReplayIndex> {
    const answers = new Map<string, string>();
    const conversations: RecordedConversation[] = [];
    const text = (content: string | { answer: string }): string =>
      typeof content === 'string' ? content : content.answer;
    for await (const { line, value } of readJsonl(answersFile)) {
      const row = AnswerRow.safeParse(value);
      if (!row.success)
        throw new Error(`${answersFile}:${line}: not an answer row (${row.error.issues[0]?.message ?? ''})`);
      // The question's prompt is the first user turn: its answer is the first reply.
      const assistant = row.data.messages.find((m) => m.role === 'assistant');
      if (!assistant) continue;
      answers.set(row.data.uid, text(assistant.content));
      const users = row.data.messages.filter((m) => m.role === 'user').map((m) => normalizePrompt(text(m.content)));
      const replies = row.data.messages.filter((m) => m.role === 'assistant').map((m) => text(m.content));
      if (users.length > 1 && replies.length === users.length)
        conversations.push({ uid: row.data.uid, users, answers: replies });
    }
    const index = new ReplayIndex(answers);
    for (const conversation of conversations) {
      const first = conversation.users[0]!;
      index.conversations.set(first, [...(index.conversations.get(first) ?? []), conversation]);
    }
    const prompts: { uid: string; prompt: string }[] = [];
    for await (const { line, value } of readJsonl(questionsFile)) {
      const row = QuestionRow.safeParse(value);
      if (!row.success) throw new Error(`${questionsFile}:${line}: not a question row`);
      const prompt = row.data.prompt ?? row.data.turns?.[0]?.content;
      if (prompt === undefined || !answers.has(row.data.uid)) continue;
      prompts.push({ uid: row.data.uid, prompt });
    }
    if (prompts.length === 0)
      throw new Error(`no recorded answer in ${answersFile} matches a question in ${questionsFile}`);
    const df = new Map<string, number>();
    const vectors = prompts.map(({ uid, prompt }) => {
      index.byPrompt.set(normalizePrompt(prompt), uid);
      const vector = terms(prompt);
      for (const term of vector.keys()) df.set(term, (df.get(term) ?? 0) + 1);
      return { uid, vector };
    });
    for (const [term, count] of df) index.idf.set(term, Math.log(1 + prompts.length / count));
    for (const { uid, vector } of vectors) {
      const weighted = index.weigh(vector);
      index.docs.push({ uid, vector: weighted, norm: Math.hypot(...weighted.values()) });
    }
    return index;
  }

  private weigh(vector: Map<string, number>): Map<string, number> {
    const out = new Map<string, number>();
    for (const [term, count] of vector) out.set(term, count * (this.idf.get(term) ?? Math.log(1 + this.docs.length)));
    return out;
  }

  /**
   * The answer to a conversation's last user turn: from a recorded multi-turn answer whose user turns are the
   * same (normalised) up to this one, else by the last prompt alone (`find`).
   */
  findInConversation(userTurns: readonly string[]): ReplayMatch {
    const turns = userTurns.map(normalizePrompt);
    if (turns.length > 1) {
      for (const recorded of this.conversations.get(turns[0]!) ?? []) {
        if (recorded.users.length < turns.length) continue;
        if (turns.every((turn, i) => recorded.users[i] === turn)) {
          return {
            uid: recorded.uid,
            answer: recorded.answers[turns.length - 1]!,
            match: 'conversation',
            similarity: 1,
          };
        }
      }
    }
    return this.find(userTurns[userTurns.length - 1] ?? '');
  }

  find(prompt: string): ReplayMatch {
    const exact = this.byPrompt.get(normalizePrompt(prompt));
    if (exact) return { uid: exact, answer: this.answers.get(exact) ?? '', match: 'exact', similarity: 1 };
    const query = this.weigh(terms(prompt));
    const queryNorm = Math.hypot(...query.values());
    let best = this.docs[0]!;
    let bestScore = -1;
    for (const doc of this.docs) {
      let dot = 0;
      for (const [term, weight] of query) dot += weight * (doc.vector.get(term) ?? 0);
      const score = queryNorm && doc.norm ? dot / (queryNorm * doc.norm) : 0;
      if (score > bestScore) {
        bestScore = score;
        best = doc;
      }
    }
    return {
      uid: best.uid,
      answer: this.answers.get(best.uid) ?? '',
      match: 'similar',
      similarity: Math.max(0, bestScore),
    };
  }
}
