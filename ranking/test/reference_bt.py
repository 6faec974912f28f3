"""Reference Bradley-Terry fit, FastChat's current formulation: aggregated (model_a, model_b, outcome)
counts as weights, weighted binary cross-entropy, scipy L-BFGS-B, alpha = ln(10), ratings * 400 + 1000.
Reads {"battles": [{model_a, model_b, winner}], "models": [...]} on stdin, prints {model: rating}."""
import json
import math
import sys

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit


def bt_loss_and_grad(ratings, matchups, outcomes, weights, alpha=1.0):
    matchup_ratings = ratings[matchups]
    logits = alpha * (matchup_ratings[:, 0] - matchup_ratings[:, 1])
    probs = expit(logits)
    loss = -((np.log(probs) * outcomes + np.log(1.0 - probs) * (1.0 - outcomes)) * weights).sum()
    matchups_grads = -alpha * (outcomes - probs) * weights
    model_grad = np.zeros_like(ratings)
    np.add.at(model_grad, matchups[:, [0, 1]], matchups_grads[:, None] * np.array([1.0, -1.0], dtype=np.float64))
    return loss, model_grad


def main():
    data = json.load(sys.stdin)
    models = data["models"]
    index = {m: i for i, m in enumerate(models)}
    cells = {}
    for b in data["battles"]:
        outcome = 1.0 if b["winner"] == "model_a" else 0.0 if b["winner"] == "model_b" else 0.5
        key = (index[b["model_a"]], index[b["model_b"]], outcome)
        cells[key] = cells.get(key, 0) + 1
    matchups = np.array([[a, b] for (a, b, _) in cells], dtype=np.int64)
    outcomes = np.array([o for (_, _, o) in cells], dtype=np.float64)
    weights = np.array(list(cells.values()), dtype=np.float64)
    result = minimize(
        fun=bt_loss_and_grad,
        x0=np.zeros(len(models)),
        args=(matchups, outcomes, weights, math.log(10.0)),
        jac=True,
        method="L-BFGS-B",
        options={"disp": False, "maxiter": 10000, "gtol": 1e-12, "ftol": 1e-15},
    )
    ratings = result["x"] * 400
    ratings = ratings - ratings.mean() + 1000
    json.dump({m: float(r) for m, r in zip(models, ratings)}, sys.stdout)


main()
