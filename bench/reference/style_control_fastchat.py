"""FastChat's style control, run by SciPy: the reference for the arena's style-controlled leaderboard.

The functions `preprocess_for_style` (its numeric part), `contextual_bt_loss_and_grad`,
`fit_contextual_bt`, `scale_and_offset`, `compute_style_control` and `compute_bootstrap_style_control`
are copied from lm-sys/FastChat, fastchat/serve/monitor/rating_systems.py (Apache License 2.0,
Copyright the FastChat authors), with one change: FastChat reads a pandas DataFrame, and pandas is not
installed where the tests run, so the rows come from a list of dicts (model ids in pandas.factorize's
order of first appearance over model_a then model_b) and tqdm's progress bar is left out. The numbers are
computed by the same NumPy/SciPy code.

Usage:
  style_control_fastchat.py fit FILE.jsonl            -> {"ratings": {model: rating}, "coefficients": [4]}
  style_control_fastchat.py bench FILE.jsonl ROUNDS   -> seconds for load, fit, ROUNDS bootstrap rounds
"""
import json
import math
import multiprocessing as mp
import os
import sys
import time
from functools import partial

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

STYLE_CONTROL_ELEMENTS_V1 = [
    "sum_assistant_a_tokens",
    "header_count_a",
    "list_count_a",
    "bold_count_a",
    "sum_assistant_b_tokens",
    "header_count_b",
    "list_count_b",
    "bold_count_b",
]


def get_matchups_models(rows):
    # pd.factorize(pd.concat([df["model_a"], df["model_b"]])): ids in order of first appearance.
    index = {}
    for r in rows:
        index.setdefault(r["model_a"], len(index))
    for r in rows:
        index.setdefault(r["model_b"], len(index))
    matchups = np.array([[index[r["model_a"]], index[r["model_b"]]] for r in rows], dtype=np.int64)
    return matchups, list(index)


def preprocess_for_elo(rows):
    matchups, models = get_matchups_models(rows)
    winners = np.array([r["winner"] for r in rows])
    outcomes = np.full(len(rows), 0.5)
    outcomes[winners == "model_a"] = 1.0
    outcomes[winners == "model_b"] = 0.0
    return matchups, outcomes, models


def preprocess_for_style(
    rows,
    apply_ratio=[1, 1, 1, 1],
    style_elements=STYLE_CONTROL_ELEMENTS_V1,
    add_one=True,
):
    matchups, outcomes, models = preprocess_for_elo(rows)  # this can use the same preprocessing as Elo

    n = matchups.shape[0]
    k = int(len(style_elements) / 2)

    def extract_style_feature(x, feature):
        val = x[feature]
        if isinstance(val, int):
            return val
        else:
            return sum(val.values())

    style_vector = np.zeros(shape=(2 * k, n), dtype=np.int32)
    for idx, element in enumerate(style_elements):
        style_vector[idx, :] = [extract_style_feature(r["conv_metadata"], element) for r in rows]
    style_vector = np.ascontiguousarray(style_vector)

    style_diff = (style_vector[:k] - style_vector[k:]).astype(float)
    style_sum = (style_vector[:k] + style_vector[k:]).astype(float)

    if add_one:
        style_sum = style_sum + np.ones(style_diff.shape)

    apply_ratio = np.flatnonzero(apply_ratio)

    # Apply ratio where necessary (length, etc)
    style_diff[apply_ratio] /= style_sum[apply_ratio]

    style_mean = np.mean(style_diff, axis=1)
    style_std = np.std(style_diff, axis=1)
    features = ((style_diff - style_mean[:, np.newaxis]) / style_std[:, np.newaxis]).T

    return matchups, features, outcomes, models


DIFF_MASK = np.array([1.0, -1.0], dtype=np.float64)  # create globally to not incur the instantiation cost in each call


def contextual_bt_loss_and_grad(
    params,
    n_competitors,
    matchups,
    features,
    outcomes,
    alpha=1.0,
    reg=1.0,
    half_reg=0.5,
):
    reg_loss = half_reg * np.inner(params, params)

    # Split params into ratings and feature parameters
    ratings = params[:n_competitors]
    feature_params = params[n_competitors:]

    matchup_ratings = ratings[matchups]
    bt_logits = alpha * (matchup_ratings[:, 0] - matchup_ratings[:, 1])
    context_logits = np.dot(features, feature_params)
    probs = expit(bt_logits + context_logits)
    loss = -((np.log(probs) * outcomes + np.log(1.0 - probs) * (1.0 - outcomes))).sum() + reg_loss

    error = outcomes - probs
    grad = reg * params  # initialize the grad as the regularization grad
    matchups_grads = -alpha * error
    np.add.at(grad[:n_competitors], matchups[:, [0, 1]], matchups_grads[:, None] * DIFF_MASK)
    grad[n_competitors:] -= np.dot(features.T, error)
    return loss, grad


def fit_contextual_bt(
    matchups,
    features,
    outcomes,
    models,
    idxs=None,
    alpha=math.log(10.0),
    reg=0.5,
    tol=1e-6,
):
    n_features = features.shape[1]
    n_models = len(models)
    initial_params = np.zeros(n_models + n_features, dtype=np.float64)
    half_reg = reg / 2.0

    # sample idxs optionally allow for fitting on a bootstrap sample of the dataset
    if idxs is not None:
        matchups, features, outcomes = matchups[idxs], features[idxs], outcomes[idxs]

    result = minimize(
        fun=contextual_bt_loss_and_grad,
        x0=initial_params,
        args=(n_models, matchups, features, outcomes, alpha, reg, half_reg),
        jac=True,
        method="L-BFGS-B",
        options={"disp": False, "maxiter": 100, "gtol": tol},
    )
    return result["x"]


def scale_and_offset(
    ratings,
    models,
    scale=400,
    init_rating=1000,
    baseline_model="mixtral-8x7b-instruct-v0.1",
    baseline_rating=1114,
):
    """convert ratings from the natural scale to the Elo rating scale with an anchored baseline"""
    scaled_ratings = (ratings * scale) + init_rating
    if baseline_model in models:
        baseline_idx = models.index(baseline_model)
        scaled_ratings += baseline_rating - scaled_ratings[..., [baseline_idx]]
    return scaled_ratings


def compute_style_control(rows, alpha=math.log(10.0), reg=0.5, init_rating=1000.0, scale=400.0, tol=1e-6):
    matchups, features, outcomes, models = preprocess_for_style(rows)
    ratings_params = fit_contextual_bt(
        matchups,
        features,
        outcomes,
        models=models,
        alpha=alpha,
        reg=reg,
        tol=tol,
    )
    ratings = ratings_params[: len(models)]
    params = ratings_params[len(models) :]
    scaled_ratings = scale_and_offset(ratings, models, scale, init_rating)
    return dict(zip(models, scaled_ratings.tolist())), params


def compute_bootstrap_style_control(
    rows,
    num_round,
    alpha=math.log(10.0),
    reg=0.5,
    init_rating=1000.0,
    scale=400.0,
    tol=1e-6,
    num_cpu=None,
):
    matchups, features, outcomes, models = preprocess_for_style(rows)

    contextual_bt_fn = partial(
        fit_contextual_bt,
        matchups,
        features,
        outcomes,
        models,
        alpha=alpha,
        reg=reg,
        tol=tol,
    )

    boot_idxs = np.random.randint(low=0, high=matchups.shape[0], size=(num_round, matchups.shape[0]))

    with mp.Pool(num_cpu if num_cpu else os.cpu_count()) as pool:
        results = list(pool.imap_unordered(contextual_bt_fn, boot_idxs))

    ratings_params = np.array(results)
    ratings = ratings_params[:, : len(models)]
    params = ratings_params[:, len(models) :]
    scaled_ratings = scale_and_offset(ratings, models, scale, init_rating)
    return scaled_ratings, params


def read_rows(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "fit":
        ratings, params = compute_style_control(read_rows(path))
        print(json.dumps({"ratings": ratings, "coefficients": params.tolist()}))
        return
    rounds = int(sys.argv[3])
    start = time.perf_counter()
    rows = read_rows(path)
    loaded = time.perf_counter()
    compute_style_control(rows)
    fitted = time.perf_counter()
    np.random.seed(42)
    compute_bootstrap_style_control(rows, num_round=rounds)
    done = time.perf_counter()
    print(
        json.dumps(
            {
                "load": loaded - start,
                "fit": fitted - loaded,
                "bootstrap": done - fitted,
                "rounds": rounds,
                "cpus": os.cpu_count(),
                "total": done - start,
            }
        )
    )


if __name__ == "__main__":
    main()
