"""The Bradley-Terry fit BigCodeArena and Arena-Hard use: scikit-learn LogisticRegression on one row per
battle (ties as a win for each side), bootstrap by resampling battles. Load, fit, N rounds; prints seconds."""
import json
import math
import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression

start = time.perf_counter()
path, rounds = sys.argv[1], int(sys.argv[2])
models, a_idx, b_idx, winner = {}, [], [], []
with open(path) as f:
    for line in f:
        b = json.loads(line)
        a_idx.append(models.setdefault(b["model_a"], len(models)))
        b_idx.append(models.setdefault(b["model_b"], len(models)))
        winner.append(b["winner"])
loaded = time.perf_counter()
a_idx, b_idx, winner = np.array(a_idx), np.array(b_idx), np.array(winner)


def fit(rows):
    # Arena-Hard's compute_mle_elo: the battle table concatenated with itself, ties split half and half.
    a, b, w = a_idx[rows], b_idx[rows], winner[rows]
    n = len(rows)
    X = np.zeros((2 * n, len(models)), dtype=np.float32)
    X[np.arange(n), a] = math.log(10)
    X[np.arange(n), b] = -math.log(10)
    X[n + np.arange(n), a] = math.log(10)
    X[n + np.arange(n), b] = -math.log(10)
    Y = np.zeros(2 * n)
    Y[:n][w == "model_a"] = 1.0
    tie = (w == "tie") | (w == "tie (bothbad)")
    Y[:n][tie] = 1.0
    Y[n:][w == "model_a"] = 1.0
    lr = LogisticRegression(fit_intercept=False, penalty=None, tol=1e-6)
    lr.fit(X, Y)
    return lr.coef_[0] * 400


ratings = fit(np.arange(len(winner)))
fitted = time.perf_counter()
rng = np.random.default_rng(42)
for _ in range(rounds):
    fit(rng.integers(0, len(winner), len(winner)))
done = time.perf_counter()
print(json.dumps({"load": loaded - start, "fit": fitted - loaded, "bootstrap": done - fitted, "rounds": rounds, "total": done - start}))
