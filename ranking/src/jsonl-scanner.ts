import type { Outcome } from './pairwise.js';
import { CONV_METADATA_KEYS } from './style-control.js';

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
const KEY_META = new TextEncoder().encode('conv_metadata');
const META_KEYS = CONV_METADATA_KEYS.map((key) => new TextEncoder().encode(key));

function skipSpace(bytes: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = bytes[i]!;
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) break;
    i += 1;
  }
  return i;
}

/** End of the JSON string starting at the quote at i (just past its closing quote), or -1. */
function skipString(bytes: Uint8Array, i: number, end: number): number {
  for (let j = i + 1; j < end; j++) {
    const c = bytes[j]!;
    if (c === BACKSLASH) j += 1;
    else if (c === QUOTE) return j + 1;
  }
  return -1;
}

/** The value of the last integer `integerAt` read (kept outside so a read allocates nothing). */
let integerValue = 0;

/** End of the integer literal at i (its value in `integerValue`), or -1 for anything else (a fraction, …). */
function integerAt(bytes: Uint8Array, i: number, end: number): number {
  let j = i;
  const negative = bytes[j] === 45;
  if (negative) j += 1;
  const first = j;
  let value = 0;
  while (j < end && bytes[j]! >= 48 && bytes[j]! <= 57) value = value * 10 + (bytes[j++]! - 48);
  if (j === first || j - first > 15) return -1;
  const next = bytes[j];
  if (next === 46 || next === 101 || next === 69) return -1;
  integerValue = negative ? -value : value;
  return j;
}

/** Skip any JSON value at i (well-formed input assumed; the slow path checks). */
function skipValue(bytes: Uint8Array, i: number, end: number): number {
  const c = bytes[i];
  if (c === QUOTE) return skipString(bytes, i, end);
  if (c === 123 || c === 91) {
    let depth = 0;
    for (let j = i; j < end; j++) {
      const d = bytes[j]!;
      if (d === QUOTE) {
        j = skipString(bytes, j, end) - 1;
        if (j < 0) return -1;
      } else if (d === 123 || d === 91) depth += 1;
      else if (d === 125 || d === 93) {
        depth -= 1;
        if (depth === 0) return j + 1;
      }
    }
    return -1;
  }
  let j = i;
  while (j < end && bytes[j] !== 44 && bytes[j] !== 125 && bytes[j] !== 93) j += 1;
  return j;
}

/**
 * The eight style counts of the `conv_metadata` object starting at bytes[start] into `out` (each an integer
 * or the sum of an object of integers); returns the index just past the object, or −1 when the fast path
 * cannot tell (the caller then parses the line).
 */
/**
 * Which of FastChat's eight keys bytes[start, end) is (its index in CONV_METADATA_KEYS), or −1: the length
 * and one letter pick the one candidate, then a single comparison confirms it.
 */
function metaSlot(bytes: Uint8Array, start: number, end: number): number {
  let slot: number;
  switch (end - start) {
    case 22: // sum_assistant_{a,b}_tokens
      slot = 0;
      break;
    case 14: // header_count_{a,b}
      slot = 1;
      break;
    case 12: // list_count_{a,b}, bold_count_{a,b}
      slot = bytes[start] === 108 ? 2 : 3;
      break;
    default:
      return -1;
  }
  const side = bytes[slot === 0 ? start + 14 : end - 1];
  if (side === 98) slot += 4;
  else if (side !== 97) return -1;
  return equalBytes(bytes, start, end, META_KEYS[slot]!) ? slot : -1;
}

function readMetadata(bytes: Uint8Array, start: number, end: number, out: Float64Array): number {
  out.fill(NaN);
  let i = skipSpace(bytes, start + 1, end);
  for (;;) {
    if (bytes[i] === 125) break;
    if (bytes[i] !== QUOTE) return -1;
    const keyEnd = skipString(bytes, i, end);
    if (keyEnd < 0) return -1;
    const slot = metaSlot(bytes, i + 1, keyEnd - 1);
    i = skipSpace(bytes, keyEnd, end);
    if (bytes[i] !== 58) return -1;
    i = skipSpace(bytes, i + 1, end);
    if (slot < 0) {
      i = skipValue(bytes, i, end);
      if (i < 0) return -1;
    } else if (bytes[i] === 123) {
      let sum = 0;
      i = skipSpace(bytes, i + 1, end);
      for (;;) {
        if (bytes[i] === 125) break;
        if (bytes[i] !== QUOTE) return -1;
        i = skipString(bytes, i, end);
        if (i < 0) return -1;
        i = skipSpace(bytes, i, end);
        if (bytes[i] !== 58) return -1;
        const after = integerAt(bytes, skipSpace(bytes, i + 1, end), end);
        if (after < 0) return -1;
        sum += integerValue;
        i = skipSpace(bytes, after, end);
        if (bytes[i] === 44) i = skipSpace(bytes, i + 1, end);
        else if (bytes[i] !== 125) return -1;
      }
      out[slot] = sum;
      i += 1;
    } else {
      const after = integerAt(bytes, i, end);
      if (after < 0) return -1;
      out[slot] = integerValue;
      i = after;
    }
    i = skipSpace(bytes, i, end);
    if (bytes[i] === 44) i = skipSpace(bytes, i + 1, end);
    else if (bytes[i] !== 125) return -1;
  }
  for (const x of out) if (Number.isNaN(x)) return -1;
  return i + 1;
}

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

  private readonly style = new Float64Array(8);

  /** Lines seen so far (blank ones included): the last line's number. */
  get lines(): number {
    return this.line;
  }

  /**
   * @param intern turns a model name into an id (e.g. `PairCountsBuilder.model`)
   * @param onBattle receives the two model ids and the outcome (and, with `metadata`, the eight style counts
   *   of `conv_metadata` in a buffer reused for the next line)
   * @param metadata also read `conv_metadata`; a line without a readable one goes to `fallback`
   */
  constructor(
    private readonly intern: (name: string) => number,
    private readonly onBattle: (
      modelA: number,
      modelB: number,
      winner: Outcome,
      line: number,
      style: Float64Array | undefined,
    ) => void,
    private readonly fallback: (text: string, line: number) => void,
    private readonly metadata = false,
  ) {}

  push(chunk: Uint8Array): void {
    // A plain Uint8Array view (a Buffer is a subclass): every byte read below then sees one array type.
    let bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
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
    let mEnd = -1;
    let i = start;
    let depth = 0;
    let ok = true;
    // Walk the line; at depth 1, a string followed by ':' is a key, the next string its value.
    let pendingKey = 0; // 1 model_a, 2 model_b, 3 winner, 4 conv_metadata
    // Where the line's object closed: a line must be one object and nothing after it (an unclosed object, or
    // text around it, goes to JSON.parse, which names the line).
    let closed = -1;
    let expectKey = false;
    while (i < end) {
      const c = bytes[i]!;
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
                  : this.metadata && length === 13 && equalBytes(bytes, i + 1, j, KEY_META)
                    ? 4
                    : 0;
          expectKey = false;
        } else if (depth === 1 && pendingKey !== 0 && pendingKey !== 4) {
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
      if (c === 123 && depth === 1 && pendingKey === 4 && mEnd < 0) {
        // conv_metadata: read its counts in the same walk.
        const after = readMetadata(bytes, i, end, this.style);
        if (after < 0) {
          ok = false;
          break;
        }
        mEnd = after;
        pendingKey = 0;
        i = after;
        continue;
      }
      if (c === 123 || c === 91) {
        depth += 1;
        if (depth === 1 && c === 123) expectKey = true;
        else pendingKey = 0;
      } else if (c === 125 || c === 93) {
        depth -= 1;
        if (depth === 0 && closed < 0) closed = i;
      } else if (c === 44 && depth === 1) {
        expectKey = true;
        pendingKey = 0;
      }
      i += 1;
    }
    const first = skipSpace(bytes, start, end);
    if (aStart < 0 && first === end) return;
    if (
      !ok ||
      bytes[first] !== 123 ||
      depth !== 0 ||
      closed < 0 ||
      skipSpace(bytes, closed + 1, end) !== end ||
      aStart < 0 ||
      bStart < 0 ||
      wStart < 0
    ) {
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
    let style: Float64Array | undefined;
    if (this.metadata) {
      if (mEnd < 0) {
        this.fallback(decoder.decode(bytes.subarray(start, end)), this.line);
        return;
      }
      style = this.style;
    }
    this.onBattle(this.name(bytes, aStart, aEnd), this.name(bytes, bStart, bEnd), winner, this.line, style);
  }
}

/**
 * This module as a program for a worker thread: its constants and functions as source text (they name
 * nothing outside this module), ending with the `JsonlBattleScanner` class, so a thread scans with exactly
 * this code, from the compiled package or from the TypeScript source under a test runner alike.
 */
export function jsonlScannerSource(): string {
  const bytes = (word: Uint8Array) => `new Uint8Array([${word.join(',')}])`;
  return [
    `const QUOTE = ${QUOTE};`,
    `const BACKSLASH = ${BACKSLASH};`,
    `const NEWLINE = ${NEWLINE};`,
    `const decoder = new TextDecoder();`,
    `const WINNER_BYTES = [${WINNER_BYTES.map(([word, outcome]) => `[${bytes(word)}, ${JSON.stringify(outcome)}]`).join(', ')}];`,
    `const KEY_A = ${bytes(KEY_A)};`,
    `const KEY_B = ${bytes(KEY_B)};`,
    `const KEY_WINNER = ${bytes(KEY_WINNER)};`,
    `const KEY_META = ${bytes(KEY_META)};`,
    `const META_KEYS = [${META_KEYS.map(bytes).join(', ')}];`,
    `let integerValue = 0;`,
    ...[equalBytes, skipSpace, skipString, integerAt, skipValue, metaSlot, readMetadata].map(String),
    String(JsonlBattleScanner),
  ].join('\n');
}
