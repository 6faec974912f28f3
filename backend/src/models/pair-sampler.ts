/** Draw two distinct models by weight, then put them on sides A and B at random. */
export function samplePair<T extends { weight: number }>(
  models: readonly T[],
  random: () => number = Math.random,
): [T, T] {
  if (models.length < 2) throw new Error('at least two models are needed for a battle');
  const first = drawByWeight(models, random);
  const second = drawByWeight(
    models.filter((m) => m !== first),
    random,
  );
  return random() < 0.5 ? [first, second] : [second, first];
}

function drawByWeight<T extends { weight: number }>(models: readonly T[], random: () => number): T {
  const total = models.reduce((sum, m) => sum + m.weight, 0);
  let point = random() * total;
  for (const model of models) {
    point -= model.weight;
    if (point < 0) return model;
  }
  return models[models.length - 1]!;
}
