import { closeSync, openSync, readSync, statSync } from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { JsonlBattleScanner, jsonlScannerSource } from './jsonl-scanner.js';
import { PairCountsBuilder, type PairCounts } from './pairwise.js';
import { StyleBattlesBuilder, type StyleBattles } from './style-control.js';

/**
 * A part of a JSON lines file scanned by one thread: the battles in file order, each by the part's own model
 * indices (in the order the part met them), with A's outcome (1, 0, ½ for either tie) and, when the scan read
 * `conv_metadata`, the eight style counts; a line the byte scanner could not read is a slot (model A −1) with
 * its text and its line number within the part.
 */
export interface ScannedPart {
  names: string[];
  size: number;
  a: Int32Array;
  b: Int32Array;
  outcome: Float64Array;
  counts: Float64Array;
  /** Battle slots left for the caller, their texts and line numbers (1-based within the part). */
  slots: number[];
  texts: string[];
  lines: number[];
  /** Lines in the part (blank ones included). */
  lineCount: number;
}

type ScannerClass = typeof JsonlBattleScanner;
interface FileReader {
  openSync(path: string, flags: string): number;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  closeSync(fd: number): void;
}

/**
 * Scan bytes [begin, end) of a JSON lines file (`begin` at a line's start, `end` at a line's start or the
 * end of the file) with the byte scanner, conv_metadata included when `metadata`. Self-contained (its only
 * names are its parameters), so that the worker threads run this very function from its source text.
 */
export function scanJsonlPart(
  file: string,
  begin: number,
  end: number,
  fs: FileReader,
  Scanner: ScannerClass,
  metadata: boolean,
): ScannedPart {
  const names: string[] = [];
  const ids = new Map<string, number>();
  let capacity = Math.max(1024, Math.ceil((end - begin) / 200));
  let size = 0;
  let a = new Int32Array(capacity);
  let b = new Int32Array(capacity);
  let outcome = new Float64Array(capacity);
  const width = metadata ? 8 : 0;
  let counts = new Float64Array(capacity * width);
  const slots: number[] = [];
  const texts: string[] = [];
  const lines: number[] = [];
  const room = (): void => {
    if (size < capacity) return;
    capacity *= 2;
    const grow = <T extends Int32Array | Float64Array>(old: T, next: T): T => {
      next.set(old);
      return next;
    };
    a = grow(a, new Int32Array(capacity));
    b = grow(b, new Int32Array(capacity));
    outcome = grow(outcome, new Float64Array(capacity));
    counts = grow(counts, new Float64Array(capacity * width));
  };
  const scanner = new Scanner(
    (name) => {
      let id = ids.get(name);
      if (id === undefined) {
        id = names.length;
        ids.set(name, id);
        names.push(name);
      }
      return id;
    },
    (modelA, modelB, winner, _line, style) => {
      room();
      a[size] = modelA;
      b[size] = modelB;
      outcome[size] = winner === 'model_a' ? 1 : winner === 'model_b' ? 0 : 0.5;
      if (style) counts.set(style, size * width);
      size += 1;
    },
    (text, line) => {
      room();
      a[size] = -1;
      slots.push(size);
      texts.push(text);
      lines.push(line);
      size += 1;
    },
    metadata,
  );
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = new Uint8Array(1 << 22);
    for (let at = begin; at < end;) {
      const read = fs.readSync(fd, buffer, 0, Math.min(buffer.length, end - at), at);
      if (read <= 0) break;
      scanner.push(buffer.subarray(0, read));
      at += read;
    }
  } finally {
    fs.closeSync(fd);
  }
  scanner.end();
  return {
    names,
    size,
    a: a.subarray(0, size),
    b: b.subarray(0, size),
    outcome: outcome.subarray(0, size),
    counts: counts.subarray(0, size * width),
    slots,
    texts,
    lines,
    lineCount: scanner.lines,
  };
}

const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
${jsonlScannerSource()}
${String(scanJsonlPart)}
const { file, begin, end, metadata } = workerData;
const part = scanJsonlPart(file, begin, end, fs, JsonlBattleScanner, metadata);
parentPort.postMessage(part, [part.a.buffer, part.b.buffer, part.outcome.buffer, part.counts.buffer]);
`;

/** Where each of `parts` parts starts: the file cut evenly, each cut moved to just after a newline. */
function partStarts(file: string, size: number, parts: number): number[] {
  const starts = [0];
  const fd = openSync(file, 'r');
  try {
    const buffer = new Uint8Array(1 << 16);
    for (let p = 1; p < parts; p++) {
      let at = Math.max(starts[p - 1]!, Math.floor((size * p) / parts) - 1);
      let start = size;
      while (at < size) {
        const read = readSync(fd, buffer, 0, buffer.length, at);
        if (read <= 0) break;
        const newline = buffer.subarray(0, read).indexOf(10);
        if (newline >= 0) {
          start = at + newline + 1;
          break;
        }
        at += read;
      }
      starts.push(start);
    }
  } finally {
    closeSync(fd);
  }
  starts.push(size);
  return starts;
}

function scanInWorker(file: string, begin: number, end: number, metadata: boolean): Promise<ScannedPart> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, begin, end, metadata } });
    worker.once('message', (part: ScannedPart) => resolve(part));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`file scanning thread exited with code ${code}`));
    });
  });
}

export interface JsonlFileOptions {
  /** Threads to scan with (default: one per core from 32 MB, one below). */
  threads?: number;
}

/** A JSON lines file scanned in parts by several threads at once (this one included), in file order. */
async function scanParts(file: string, metadata: boolean, options: JsonlFileOptions): Promise<ScannedPart[]> {
  const size = statSync(file).size;
  const wanted = options.threads ?? (size >= 32 << 20 ? os.availableParallelism() : 1);
  const starts = partStarts(file, size, Math.max(1, Math.min(wanted, Math.ceil(size / 4096))));
  const pending = starts.slice(1, -1).map((begin, p) => scanInWorker(file, begin, starts[p + 2]!, metadata));
  // A failed thread is reported once all have ended (no rejection left unhandled meanwhile).
  const settled = Promise.allSettled(pending);
  const fs = { openSync, readSync, closeSync };
  const first = scanJsonlPart(file, starts[0]!, starts[1]!, fs, JsonlBattleScanner, metadata);
  const parts = [first];
  for (const result of await settled) {
    if (result.status === 'rejected') throw result.reason;
    parts.push(result.value);
  }
  return parts;
}

/**
 * The parts' battles in file order: each handed to `add` with a function from the part's model indices to the
 * caller's ids (given by `model` in the order the models are met, so the models' order is that of one scan of
 * the whole file), and each line the byte scanner could not read to `fallback` in its place, with its line
 * number in the file.
 */
function joinParts(
  parts: readonly ScannedPart[],
  add: (part: ScannedPart, k: number, ids: (local: number) => number) => void,
  model: (name: string) => number,
  fallback: (text: string, line: number) => void,
): void {
  let linesBefore = 0;
  for (const part of parts) {
    const global = new Int32Array(part.names.length).fill(-1);
    const ids = (local: number): number => {
      let id = global[local]!;
      if (id < 0) id = global[local] = model(part.names[local]!);
      return id;
    };
    const { slots } = part;
    let next = 0;
    for (let k = 0; k < part.size; k++) {
      if (next < slots.length && slots[next] === k) {
        fallback(part.texts[next]!, linesBefore + part.lines[next]!);
        next += 1;
        continue;
      }
      add(part, k, ids);
    }
    linesBefore += part.lineCount;
  }
}

/**
 * Style-control battles from a JSON lines file, scanned in parts by several threads at once (this one
 * included); the parts are joined in file order, so the battles, the models' order and any error (with its
 * line number) are those of `styleBattlesFromJsonlChunks` on the same file. Lines the byte scanner cannot
 * read go to `fallback` here, in order, with their line numbers in the file.
 */
export async function styleBattlesFromJsonlFileParts(
  file: string,
  fallback: (builder: StyleBattlesBuilder, text: string, line: number) => void,
  options: JsonlFileOptions = {},
): Promise<StyleBattles> {
  const parts = await scanParts(file, true, options);
  const builder = new StyleBattlesBuilder(parts.reduce((total, part) => total + part.size, 0));
  joinParts(
    parts,
    (part, k, ids) => builder.addScored(ids(part.a[k]!), ids(part.b[k]!), part.outcome[k]!, part.counts, k * 8),
    (name) => builder.model(name),
    (text, line) => fallback(builder, text, line),
  );
  return builder.build();
}

/** A part's outcome back as a winner (both ties count alike in pair counts). */
const winnerOf = (value: number): 'model_a' | 'model_b' | 'tie' =>
  value === 1 ? 'model_a' : value === 0 ? 'model_b' : 'tie';

/**
 * Pair counts from a JSON lines file, scanned in parts by several threads at once like the style battles:
 * the same counts, models' order and errors as `countsFromJsonlChunks` on the same file.
 */
export async function countsFromJsonlFileParts(
  file: string,
  fallback: (builder: PairCountsBuilder, text: string, line: number) => void,
  options: JsonlFileOptions = {},
): Promise<PairCounts> {
  const parts = await scanParts(file, false, options);
  const builder = new PairCountsBuilder();
  joinParts(
    parts,
    (part, k, ids) => builder.addIndexed(ids(part.a[k]!), ids(part.b[k]!), winnerOf(part.outcome[k]!)),
    (name) => builder.model(name),
    (text, line) => fallback(builder, text, line),
  );
  return builder.build();
}
