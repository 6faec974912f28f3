import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = import.meta.dirname;

function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [full] : [];
  });
}

function folderOf(file: string): string {
  return path.relative(SRC, file).split(path.sep)[0]!;
}

/**
 * Folder → folders it imports, from the relative imports of every source file. The database folder's
 * import of each feature's entities (TypeORM's entity list, `data-source.ts`) is the one edge left out.
 */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles()) {
    const from = folderOf(file);
    if (!graph.has(from)) graph.set(from, new Set());
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
      const target = path.resolve(path.dirname(file), match[1]!);
      if (!target.startsWith(SRC + path.sep)) continue;
      const to = folderOf(target);
      if (to === from || to.endsWith('.js')) continue;
      if (path.basename(file) === 'data-source.ts' && from === 'database') continue;
      graph.get(from)!.add(to);
    }
  }
  return graph;
}

/** Every cycle through `start`, as the folders along it. */
function cyclesThrough(graph: Map<string, Set<string>>, start: string): string[][] {
  const found: string[][] = [];
  const walk = (node: string, trail: string[]): void => {
    for (const next of graph.get(node) ?? []) {
      if (next === start) found.push([...trail, start]);
      else if (!trail.includes(next)) walk(next, [...trail, next]);
    }
  };
  walk(start, [start]);
  return found;
}

describe('backend/src architecture', () => {
  it('has no feature folder that imports a folder that imports it back (TypeORM entity list aside)', () => {
    const graph = folderGraph();
    expect(graph.size).toBeGreaterThan(8);
    const cycles = [...graph.keys()].flatMap((folder) => cyclesThrough(graph, folder)).map((c) => c.join(' → '));
    expect(cycles).toEqual([]);
  });

  it('inserts votes in exactly one place', () => {
    const sites = sourceFiles().flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      const hits = [...text.matchAll(/insert\(\s*VoteEntity|INSERT INTO votes|\.into\(\s*VoteEntity/g)];
      return hits.map(() => path.relative(SRC, file));
    });
    expect(sites).toEqual(['battles/votes.repository.ts']);
  });

  it('leaves the battle code calling no judge, data set, leaderboard or metric (they subscribe to its events)', () => {
    const battleFiles = sourceFiles().filter((file) => folderOf(file) === 'battles');
    for (const file of battleFiles) {
      const text = readFileSync(file, 'utf8');
      expect(text, path.relative(SRC, file)).not.toMatch(/from '\.\.\/(judges|datasets|leaderboard)\//);
      expect(text, path.relative(SRC, file)).not.toMatch(/metrics\.(votes|runs|generations|battlesCreated)\b/);
    }
  });
});
