import type { Outcome } from './pairwise.js';

const QUOTE = 34;
const BACKSLASH = 92;
const NEWLINE = 10;
const decoder = new TextDecoder();

const WINNER_BYTES: [Uint8Array, Outcome][] = (
  [
    ['model_a', 'model_a'],
    ['model_b', 'model_b'],
    ['tie', 'tie'],
    ['tie (bothbad)', 'tie (bothbad)'],
    ['both_bad', 'tie (bothbad)'],
    ['tie_bothbad', 'tie (bothbad)'],
  ] as const
).map(([text, outcome]) => [new TextEncoder().encode(text), outcome]);

function equalBytes(bytes: Uint8Array, start: number, end: number, word: Uint8Array): boolean {
  if (end - start !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (bytes[start + k] !== word[k]) return false;
  return true;
}

const KEY_A = new TextEncoder().encode('model_a');
const KEY_B = new TextEncoder().encode('model_b');
const KEY_WINNER = new TextEncoder().encode('winner');

/**
 * Reads `model_a`, `model_b` and `winner` from JSON lines straight from bytes — no decoding of the rest
 * of the line, no object built — for large battle files. A line it cannot read this way (escapes in a
 * name, an unusual shape) is handed to `fallback` as text, where JSON.parse reports any error.
 */
export class JsonlBattleScanner {
  private carry: Uint8Array | undefined;
  private line = 0;
  /** Model ids by a hash of the name's bytes, so a name is decoded and looked up once, not once per line. */
  private readonly names = new Map<number, { bytes: Uint8Array; id: number }[]>();

  /**
   * @param intern turns a model name into an id (e.g. `PairCountsBuilder.model`)
   * @param onBattle receives the two model ids and the outcome
   */
  constructor(
    private readonly intern: (name: string) => number,
    private readonly onBattle: (modelA: number, modelB: number, winner: Outcome, line: number) => void,
    private readonly fallback: (text: string, line: number) => void,
  ) {}

  push(chunk: Uint8Array): void {
    let bytes = chunk;
    if (this.carry) {
      bytes = new Uint8Array(this.carry.length + chunk.length);
      bytes.set(this.carry);
      bytes.set(chunk, this.carry.length);
      this.carry = undefined;
    }
    let start = 0;
    for (;;) {
      const newline = bytes.indexOf(NEWLINE, start);
      if (newline === -1) break;
      this.lineOf(bytes, start, newline);
      start = newline + 1;
    }
    if (start < bytes.length) this.carry = bytes.slice(start);
  }

  end(): void {
    if (this.carry) this.lineOf(this.carry, 0, this.carry.length);
    this.carry = undefined;
  }

  private name(bytes: Uint8Array, start: number, end: number): number {
    let hash = 2166136261;
    for (let k = start; k < end; k++) hash = Math.imul(hash ^ bytes[k]!, 16777619);
    let bucket = this.names.get(hash);
    if (bucket) {
      for (const entry of bucket) if (equalBytes(bytes, start, end, entry.bytes)) return entry.id;
    } else {
      bucket = [];
      this.names.set(hash, bucket);
    }
    const id = this.intern(decoder.decode(bytes.subarray(start, end)));
    bucket.push({ bytes: bytes.slice(start, end), id });
    return id;
  }

  private lineOf(bytes: Uint8Array, start: number, end: number): void {
    this.line += 1;
    let aStart = -1;
    let aEnd = -1;
    let bStart = -1;
    let bEnd = -1;
    let wStart = -1;
    let wEnd = -1;
    let i = start;
    let depth = 0;
    let ok = true;
    let blank = true;
    // Walk the line; at depth 1, a string followed by ':' is a key, the next string its value.
    let pendingKey = 0; // 1 model_a, 2 model_b, 3 winner
    let expectKey = false;
    while (i < end) {
      const c = bytes[i]!;
      if (c !== 32 && c !== 9 && c !== 13) blank = false;
      if (c === QUOTE) {
        let j = i + 1;
        let escaped = false;
        while (j < end && bytes[j] !== QUOTE) {
          if (bytes[j] === BACKSLASH) {
            escaped = true;
            j += 1;
          }
          j += 1;
        }
        if (j >= end) {
          ok = false;
          break;
        }
        if (depth === 1 && expectKey) {
          const length = j - i - 1;
          pendingKey =
            length === 7 && equalBytes(bytes, i + 1, j, KEY_A)
              ? 1
              : length === 7 && equalBytes(bytes, i + 1, j, KEY_B)
                ? 2
                : length === 6 && equalBytes(bytes, i + 1, j, KEY_WINNER)
                  ? 3
                  : 0;
          expectKey = false;
        } else if (depth === 1 && pendingKey !== 0) {
          if (escaped) {
            ok = false;
            break;
          }
          if (pendingKey === 1) {
            aStart = i + 1;
            aEnd = j;
          } else if (pendingKey === 2) {
            bStart = i + 1;
            bEnd = j;
          } else {
            wStart = i + 1;
            wEnd = j;
          }
          pendingKey = 0;
        }
        i = j + 1;
        continue;
      }
      if (c === 123 || c === 91) {
        depth += 1;
        if (depth === 1 && c === 123) expectKey = true;
        else pendingKey = 0;
      } else if (c === 125 || c === 93) depth -= 1;
      else if (c === 44 && depth === 1) {
        expectKey = true;
        pendingKey = 0;
      }
      i += 1;
    }
    if (blank) return;
    if (!ok || aStart < 0 || bStart < 0 || wStart < 0) {
      this.fallback(decoder.decode(bytes.subarray(start, end)), this.line);
      return;
    }
    let winner: Outcome | undefined;
    for (let k = 0; k < WINNER_BYTES.length; k++) {
      const candidate = WINNER_BYTES[k]!;
      if (equalBytes(bytes, wStart, wEnd, candidate[0])) {
        winner = candidate[1];
        break;
      }
    }
    if (!winner || aEnd === aStart || bEnd === bStart) {
      this.fallback(decoder.decode(bytes.subarray(start, end)), this.line);
      return;
    }
    this.onBattle(this.name(bytes, aStart, aEnd), this.name(bytes, bStart, bEnd), winner, this.line);
  }
}
