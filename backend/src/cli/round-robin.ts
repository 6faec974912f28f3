/**
 * `limit` items taken round-robin across the groups `groupOf` names (in their first-seen order), so each group of
 * a mixed set is represented; all of them when there are no more than `limit`.
 */
export function spread<T>(items: readonly T[], limit: number | undefined, groupOf: (item: T) => string): T[] {
  if (!limit || limit >= items.length) return [...items];
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = groupOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  const queues = [...groups.values()].map((g) => g.values());
  const out: T[] = [];
  for (let i = 0; out.length < limit; i++) {
    const next = queues[i % queues.length]!.next();
    if (!next.done) out.push(next.value);
  }
  return out;
}
