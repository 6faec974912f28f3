/** Battle outcomes as the ranking sees them (FastChat's clean-battle vocabulary). */
export type Outcome = 'model_a' | 'model_b' | 'tie' | 'tie (bothbad)';

export interface BattleRow {
  model_a: string;
  model_b: string;
  winner: Outcome;
}

/**
 * Battles aggregated into pair counts. `wins[i*n+j]` is how often model i beat model j, where a tie
 * (either kind) counts as half a win to each side; `games[i*n+j]` the number of battles between them
 * (symmetric). Cells keep the raw outcome counts for resampling.
 */
export interface PairCounts {
  models: string[];
  n: number;
  wins: Float64Array;
  games: Float64Array;
  /** Distinct (a, b, outcome) cells with their counts: a < b, outcome 0 = a won, 1 = b won, 2 = tie. */
  cells: { a: Int32Array; b: Int32Array; outcome: Uint8Array; count: Float64Array };
  battles: number;
}

export class PairCountsBuilder {
  private readonly index = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly cellIndex = new Map<number, number>();
  private cellA: number[] = [];
  private cellB: number[] = [];
  private cellOutcome: number[] = [];
  private cellCount: number[] = [];
  private battles = 0;

  /** Register a model even if it has no battles (it then gets the mean rating and no interval). */
  model(name: string): number {
    let id = this.index.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.index.set(name, id);
      this.names.push(name);
    }
    return id;
  }

  add(modelA: string, modelB: string, winner: Outcome, weight = 1): void {
    if (modelA === modelB) return;
    this.addIndexed(this.model(modelA), this.model(modelB), winner, weight);
  }

  /** Add a battle between models already registered with `model()` (by the ids it returned). */
  addIndexed(modelA: number, modelB: number, winner: Outcome, weight = 1): void {
    if (modelA === modelB) return;
    let a = modelA;
    let b = modelB;
    let outcome = winner === 'model_a' ? 0 : winner === 'model_b' ? 1 : 2;
    if (a > b) {
      [a, b] = [b, a];
      if (outcome !== 2) outcome = 1 - outcome;
    }
    // Up to 2^20 models: the key is unique and exact in a double.
    const key = (a * 1_048_576 + b) * 3 + outcome;
    const cell = this.cellIndex.get(key);
    if (cell === undefined) {
      this.cellIndex.set(key, this.cellA.length);
      this.cellA.push(a);
      this.cellB.push(b);
      this.cellOutcome.push(outcome);
      this.cellCount.push(weight);
    } else {
      this.cellCount[cell]! += weight;
    }
    this.battles += weight;
  }

  build(): PairCounts {
    const cells = {
      a: Int32Array.from(this.cellA),
      b: Int32Array.from(this.cellB),
      outcome: Uint8Array.from(this.cellOutcome),
      count: Float64Array.from(this.cellCount),
    };
    return countsFromCells([...this.names], cells, this.battles);
  }
}

export function countsFromCells(models: string[], cells: PairCounts['cells'], battles: number): PairCounts {
  const n = models.length;
  const wins = new Float64Array(n * n);
  const games = new Float64Array(n * n);
  for (let k = 0; k < cells.a.length; k++) {
    const a = cells.a[k]!;
    const b = cells.b[k]!;
    const c = cells.count[k]!;
    if (c === 0) continue;
    games[a * n + b]! += c;
    games[b * n + a]! += c;
    const outcome = cells.outcome[k];
    if (outcome === 0) wins[a * n + b]! += c;
    else if (outcome === 1) wins[b * n + a]! += c;
    else {
      wins[a * n + b]! += c / 2;
      wins[b * n + a]! += c / 2;
    }
  }
  return { models, n, wins, games, cells, battles };
}

export function aggregate(rows: Iterable<BattleRow>, extraModels: Iterable<string> = []): PairCounts {
  const builder = new PairCountsBuilder();
  for (const m of extraModels) builder.model(m);
  for (const row of rows) builder.add(row.model_a, row.model_b, row.winner);
  return builder.build();
}

/** Battles each model played. */
export function battlesPlayed(counts: PairCounts): Float64Array {
  const { n, games } = counts;
  const played = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) played[i]! += games[i * n + j]!;
  return played;
}

/** Connected components of the comparison graph (models linked when they have met). */
export function components(counts: PairCounts): number[][] {
  const { n, games } = counts;
  const seen = new Int8Array(n);
  const out: number[][] = [];
  for (let s = 0; s < n; s++) {
    if (seen[s]) continue;
    const stack = [s];
    const part: number[] = [];
    seen[s] = 1;
    while (stack.length) {
      const i = stack.pop()!;
      part.push(i);
      for (let j = 0; j < n; j++) {
        if (!seen[j] && games[i * n + j]! > 0) {
          seen[j] = 1;
          stack.push(j);
        }
      }
    }
    out.push(part);
  }
  return out;
}
