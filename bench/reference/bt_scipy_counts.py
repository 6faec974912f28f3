"""FastChat's current Bradley-Terry (aggregated counts, weighted BCE, SciPy L-BFGS-B) with a multinomial
bootstrap over the counts: load the JSONL battles file, aggregate, fit, N bootstrap rounds. Prints seconds."""
import json
import math
import sys
import time

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

start = time.perf_counter()
path, rounds = sys.argv[1], int(sys.argv[2])
models, cells = {}, {}
with open(path) as f:
    for line in f:
        b = json.loads(line)
        a = models.setdefault(b["model_a"], len(models))
        c = models.setdefault(b["model_b"], len(models))
        o = 1.0 if b["winner"] == "model_a" else 0.0 if b["winner"] == "model_b" else 0.5
        cells[(a, c, o)] = cells.get((a, c, o), 0) + 1
loaded = time.perf_counter()
matchups = np.array([[a, c] for (a, c, _) in cells], dtype=np.int64)
outcomes = np.array([o for (_, _, o) in cells])
weights = np.array(list(cells.values()), dtype=np.float64)


def loss_grad(r, w):
    logits = math.log(10) * (r[matchups[:, 0]] - r[matchups[:, 1]])
    p = expit(logits)
    loss = -((np.log(p) * outcomes + np.log(1 - p) * (1 - outcomes)) * w).sum()
    g = -math.log(10) * (outcomes - p) * w
    grad = np.zeros_like(r)
    np.add.at(grad, matchups[:, 0], g)
    np.add.at(grad, matchups[:, 1], -g)
    return loss, grad


def fit(w):
    return minimize(loss_grad, np.zeros(len(models)), args=(w,), jac=True, method="L-BFGS-B", options={"maxiter": 100, "gtol": 1e-6})["x"]


ratings = fit(weights)
fitted = time.perf_counter()
rng = np.random.default_rng(42)
n = int(weights.sum())
for _ in range(rounds):
    fit(rng.multinomial(n, weights / weights.sum()).astype(np.float64))
done = time.perf_counter()
print(json.dumps({"load": loaded - start, "fit": fitted - loaded, "bootstrap": done - fitted, "rounds": rounds, "total": done - start}))
