import { JsonlBattleScanner } from './jsonl-scanner.js';
import { countsFromJsonlFileParts, styleBattlesFromJsonlFileParts, type JsonlFileOptions } from './jsonl-threads.js';
import { PairCountsBuilder, type Outcome, type PairCounts } from './pairwise.js';
import { CONV_METADATA_KEYS, StyleBattlesBuilder, type StyleBattles } from './style-control.js';

export type BattlesFormat = 'json' | 'jsonl' | 'csv';

const WINNERS: Record<string, Outcome> = {
  model_a: 'model_a',
  model_b: 'model_b',
  tie: 'tie',
  'tie (bothbad)': 'tie (bothbad)',
  both_bad: 'tie (bothbad)',
  tie_bothbad: 'tie (bothbad)',
};

export class BattlesFileError extends Error {
  override name = 'BattlesFileError';
}

export function formatOf(file: string): BattlesFormat {
  if (/\.jsonl$|\.ndjson$/i.test(file)) return 'jsonl';
  if (/\.json$/i.test(file)) return 'json';
  if (/\.csv$/i.test(file)) return 'csv';
  throw new BattlesFileError(`${file}: unknown format (use .json, .jsonl or .csv)`);
}

export interface BattleRecord {
  model_a: string;
  model_b: string;
  winner: Outcome;
  /** Other columns of the row, as read (category, language, anony, tstamp, …). */
  extra: Record<string, unknown>;
}

function toRecord(value: unknown, where: string): BattleRecord {
  if (!value || typeof value !== 'object') throw new BattlesFileError(`${where}: not an object`);
  const { model_a, model_b, winner, ...extra } = value as Record<string, unknown>;
  if (typeof model_a !== 'string' || !model_a)
    throw new BattlesFileError(`${where}: model_a must be a non-empty string`);
  if (typeof model_b !== 'string' || !model_b)
    throw new BattlesFileError(`${where}: model_b must be a non-empty string`);
  const outcome = typeof winner === 'string' ? WINNERS[winner] : undefined;
  if (!outcome)
    throw new BattlesFileError(
      `${where}: winner must be one of model_a, model_b, tie, tie (bothbad); got ${JSON.stringify(winner)}`,
    );
  return { model_a, model_b, winner: outcome, extra };
}

/** A line the byte scanner left, through JSON.parse: its battle, or the error naming where it is. */
function recordOfLine(text: string, where: string): BattleRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BattlesFileError(`${where}: not valid JSON`);
  }
  return toRecord(value, where);
}

const QUOTE = 34;
const BACKSLASH = 92;

/** Index just past the JSON string starting at `i` (which is a quote), or -1. */
function skipString(text: string, i: number): number {
  for (let k = i + 1; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === BACKSLASH) k += 1;
    else if (c === QUOTE) return k + 1;
  }
  return -1;
}

/**
 * The three fields of a FastChat row read straight from a JSON line without building the whole object
 * (conversations can be long): top-level keys are scanned, other values skipped. Returns undefined for
 * anything unusual, and the caller falls back to JSON.parse.
 */
function scanBattleLine(text: string): { model_a?: string; model_b?: string; winner?: string } | undefined {
  const out: { model_a?: string; model_b?: string; winner?: string } = {};
  let i = text.indexOf('{');
  if (i === -1) return undefined;
  i += 1;
  const n = text.length;
  const ws = (k: number): number => {
    while (k < n) {
      const c = text.charCodeAt(k);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
      k += 1;
    }
    return k;
  };
  for (;;) {
    i = ws(i);
    if (text.charCodeAt(i) === 125) return out; // }
    if (text.charCodeAt(i) !== QUOTE) return undefined;
    const keyEnd = skipString(text, i);
    if (keyEnd === -1) return undefined;
    const key = text.slice(i + 1, keyEnd - 1);
    i = ws(keyEnd);
    if (text.charCodeAt(i) !== 58) return undefined; // :
    i = ws(i + 1);
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = skipString(text, i);
      if (end === -1) return undefined;
      if (key === 'model_a' || key === 'model_b' || key === 'winner') {
        const raw = text.slice(i + 1, end - 1);
        out[key] = raw.includes('\\') ? (JSON.parse(text.slice(i, end)) as string) : raw;
      }
      i = end;
    } else if (c === 123 || c === 91) {
      let depth = 0;
      for (; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === QUOTE) {
          const end = skipString(text, i);
          if (end === -1) return undefined;
          i = end - 1;
        } else if (d === 123 || d === 91) depth += 1;
        else if (d === 125 || d === 93) {
          depth -= 1;
          if (depth === 0) {
            i += 1;
            break;
          }
        }
      }
      if (depth !== 0) return undefined;
    } else {
      while (i < n && text.charCodeAt(i) !== 44 && text.charCodeAt(i) !== 125) i += 1;
    }
    i = ws(i);
    const sep = text.charCodeAt(i);
    if (sep === 44) i += 1;
    else if (sep !== 125) return undefined;
  }
}

/** Split one CSV line (RFC 4180 quoting; a quoted field may not span lines here). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i += 1;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q === -1) throw new BattlesFileError('unterminated quoted CSV field');
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(value);
      i += 1;
    } else {
      const comma = line.indexOf(',', i);
      const end = comma === -1 ? line.length : comma;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

export interface RowsParserOptions {
  /** CSV files must have these columns. */
  requiredColumns?: readonly string[];
  /** A fast path for a JSON line; undefined falls back to JSON.parse. */
  fastLine?: (text: string) => Record<string, unknown> | undefined;
}

/**
 * Rows of a table file given as text chunks: a JSON array of objects, JSON lines, or CSV with a header
 * (RFC 4180 quoting). Each row is handed over with its location (`file:line`, 1-based) for error messages.
 */
export class RowsParser {
  private rest = '';
  private line = 0;
  private header: string[] | undefined;
  private json = '';

  constructor(
    private readonly format: BattlesFormat,
    private readonly onRow: (row: unknown, where: string) => void,
    private readonly name = 'input',
    private readonly options: RowsParserOptions = {},
  ) {}

  push(chunk: string): void {
    if (this.format === 'json') {
      this.json += chunk;
      return;
    }
    const text = this.rest + chunk;
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', start);
      if (newline === -1) break;
      this.lineOf(text.slice(start, newline));
      start = newline + 1;
    }
    this.rest = text.slice(start);
  }

  end(): void {
    if (this.format === 'json') {
      let rows: unknown;
      try {
        rows = JSON.parse(this.json);
      } catch (error) {
        throw new BattlesFileError(`${this.name}: not valid JSON (${(error as Error).message})`);
      }
      if (!Array.isArray(rows)) throw new BattlesFileError(`${this.name}: a JSON file must be an array of rows`);
      rows.forEach((row, i) => this.onRow(row, `${this.name}: row ${i + 1}`));
      return;
    }
    if (this.rest) this.lineOf(this.rest);
    this.rest = '';
  }

  private lineOf(raw: string): void {
    this.line += 1;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!text.trim()) return;
    const where = `${this.name}:${this.line}`;
    if (this.format === 'jsonl') {
      const fast = this.options.fastLine?.(text);
      if (fast) {
        this.onRow(fast, where);
        return;
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new BattlesFileError(`${where}: not valid JSON`);
      }
      this.onRow(value, where);
      return;
    }
    const fields = csvFields(text);
    if (!this.header) {
      this.header = fields.map((f) => f.trim());
      for (const column of this.options.requiredColumns ?? []) {
        if (!this.header.includes(column)) throw new BattlesFileError(`${where}: CSV header has no ${column} column`);
      }
      return;
    }
    const row: Record<string, unknown> = {};
    this.header.forEach((column, i) => (row[column] = fields[i] ?? ''));
    this.onRow(row, where);
  }
}

/**
 * Read FastChat clean-battle rows `{ model_a, model_b, winner, … }` from text chunks (a JSON array, JSON
 * lines or CSV with a header), calling `onRecord` for each; line numbers in errors are 1-based.
 */
export class BattlesParser {
  private readonly rows: RowsParser;

  /**
   * @param fieldsOnly the caller needs only model_a, model_b and winner: JSON lines are then scanned for
   *   those three without parsing the rest (records carry no `extra`).
   */
  constructor(format: BattlesFormat, onRecord: (record: BattleRecord) => void, name = 'input', fieldsOnly = false) {
    this.rows = new RowsParser(format, (row, where) => onRecord(toRecord(row, where)), name, {
      requiredColumns: ['model_a', 'model_b', 'winner'],
      ...(fieldsOnly
        ? {
            fastLine: (text: string) => {
              const fast = scanBattleLine(text);
              return fast &&
                typeof fast.model_a === 'string' &&
                typeof fast.model_b === 'string' &&
                typeof fast.winner === 'string'
                ? fast
                : undefined;
            },
          }
        : {}),
    });
  }

  push(chunk: string): void {
    this.rows.push(chunk);
  }

  end(): void {
    this.rows.end();
  }
}

/** Parse a whole battles text straight into pair counts. */
export function countsFromText(text: string, format: BattlesFormat) {
  const builder = new PairCountsBuilder();
  const parser = new BattlesParser(format, (r) => builder.add(r.model_a, r.model_b, r.winner), 'input', true);
  parser.push(text);
  parser.end();
  return builder.build();
}

/**
 * Pair counts from JSON lines given as byte chunks (a file stream): the fast byte scanner for the common
 * shape, JSON.parse for the rest, so a malformed line is still reported with its line number.
 */
export async function countsFromJsonlChunks(chunks: AsyncIterable<Uint8Array>, name = 'input'): Promise<PairCounts> {
  const builder = new PairCountsBuilder();
  const fallback = plainLine(name);
  const scanner = new JsonlBattleScanner(
    (model) => builder.model(model),
    (a, b, winner) => builder.addIndexed(a, b, winner),
    (text, line) => fallback(builder, text, line),
  );
  for await (const chunk of chunks) scanner.push(chunk);
  scanner.end();
  return builder.build();
}

/**
 * `countsFromJsonlChunks` on a file, scanned in parts by a thread per core at once (from 32 MB, see
 * `countsFromJsonlFileParts`): the same counts, models' order and errors.
 */
export function countsFromJsonlFile(file: string, name = file, options: JsonlFileOptions = {}): Promise<PairCounts> {
  return countsFromJsonlFileParts(file, plainLine(name), options);
}

/** A line the byte scanner left, through JSON.parse: its battle counted, or the error naming the line. */
function plainLine(name: string): (builder: PairCountsBuilder, text: string, line: number) => void {
  return (builder, text, line) => {
    const record = recordOfLine(text, `${name}:${line}`);
    builder.add(record.model_a, record.model_b, record.winner);
  };
}

/**
 * The eight style counts of a row's FastChat `conv_metadata` (CONV_METADATA_KEYS order), each an integer or
 * an object of integers that is summed (as FastChat's `extract_style_feature`); CSV rows may carry the
 * object as JSON text.
 */
export function styleCountsOf(meta: unknown, where: string): number[] {
  let value = meta;
  if (typeof value === 'string' && value.trim().startsWith('{')) {
    try {
      value = JSON.parse(value);
    } catch {
      throw new BattlesFileError(`${where}: conv_metadata is not valid JSON`);
    }
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new BattlesFileError(`${where}: style control needs conv_metadata (an object)`);
  const record = value as Record<string, unknown>;
  return CONV_METADATA_KEYS.map((key) => {
    const v = record[key];
    if (Number.isInteger(v)) return v as number;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      let sum = 0;
      for (const [part, x] of Object.entries(v)) {
        if (!Number.isInteger(x))
          throw new BattlesFileError(`${where}: conv_metadata.${key}.${part} must be an integer`);
        sum += x as number;
      }
      return sum;
    }
    throw new BattlesFileError(`${where}: conv_metadata.${key} must be an integer or an object of integers`);
  });
}

/** Parse a whole battles text (rows with conv_metadata) into style-control battles. */
export function styleBattlesFromText(text: string, format: BattlesFormat, name = 'input'): StyleBattles {
  const builder = new StyleBattlesBuilder();
  let row = 0;
  const parser = new BattlesParser(
    format,
    (r) => {
      row += 1;
      builder.add(r.model_a, r.model_b, r.winner, styleCountsOf(r.extra['conv_metadata'], `${name}: row ${row}`));
    },
    name,
  );
  parser.push(text);
  parser.end();
  return builder.build();
}

/**
 * Style-control battles from JSON lines given as byte chunks (a file stream): the byte scanner reads
 * model_a, model_b, winner and conv_metadata's eight counts; other lines go through JSON.parse, so a
 * malformed line or metadata is reported with its line number.
 */
export async function styleBattlesFromJsonlChunks(
  chunks: AsyncIterable<Uint8Array>,
  name = 'input',
): Promise<StyleBattles> {
  const builder = new StyleBattlesBuilder();
  const fallback = styledLine(name);
  const scanner = new JsonlBattleScanner(
    (model) => builder.model(model),
    (a, b, winner, _line, style) => builder.addIndexed(a, b, winner, style!),
    (text, line) => fallback(builder, text, line),
    true,
  );
  for await (const chunk of chunks) scanner.push(chunk);
  scanner.end();
  return builder.build();
}

/** A line the byte scanner left, through JSON.parse: its battle, or the error naming the line. */
function styledLine(name: string): (builder: StyleBattlesBuilder, text: string, line: number) => void {
  return (builder, text, line) => {
    const record = recordOfLine(text, `${name}:${line}`);
    builder.add(
      record.model_a,
      record.model_b,
      record.winner,
      styleCountsOf(record.extra['conv_metadata'], `${name}:${line}`),
    );
  };
}

/**
 * `styleBattlesFromJsonlChunks` on a file, scanned in parts by a thread per core at once (from 32 MB, see
 * `styleBattlesFromJsonlFileParts`): the same battles, models' order and errors.
 */
export function styleBattlesFromJsonlFile(
  file: string,
  name = file,
  options: JsonlFileOptions = {},
): Promise<StyleBattles> {
  return styleBattlesFromJsonlFileParts(file, styledLine(name), options);
}
