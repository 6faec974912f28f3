"""Reference for vote integrity, written from FastChat's description (fastchat/serve/monitor/elo_analysis.py
`get_model_pair_stats` + `outlier_detect`, and deduplication.py) with pandas and NumPy, independently of the
TypeScript. Reads {"battles": [{model_a, model_b, winner, judge, prompt}], "alpha", "percentile"} on stdin and
prints {"flagged": {judge: tested_votes}, "cutoff", "high_freq": {prompt: count}, "keep": int}."""
import json
import sys

import numpy as np
import pandas as pd


def pair_stats(battles):
    stats = {}
    for row in battles.itertuples():
        pair = tuple(sorted([row.model_a, row.model_b]))
        s = stats.setdefault(pair, {"win": 0, "loss": 0, "tie": 0})
        if row.winner in ("tie", "tie (bothbad)"):
            s["tie"] += 1
        elif (row.winner == "model_a" and row.model_a == pair[0]) or (row.winner == "model_b" and row.model_b == pair[0]):
            s["win"] += 1
        else:
            s["loss"] += 1
    return stats


def outliers(battles, stats, alpha, max_vote=100, min_votes=5):
    counts = battles["judge"].value_counts()
    flagged = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for user in counts[counts >= min_votes].index:
            p_up, p_low = [], []
            for row in battles[battles["judge"] == user].itertuples():
                if len(p_up) >= max_vote:
                    break
                pair = tuple(sorted([row.model_a, row.model_b]))
                if row.winner in ("tie", "tie (bothbad)"):
                    vote = 0.5
                elif (row.winner == "model_a" and row.model_a == pair[0]) or (
                    row.winner == "model_b" and row.model_b == pair[0]
                ):
                    vote = 1
                else:
                    vote = 0
                s = stats[pair]
                ratings = np.array([1] * s["win"] + [0] * s["loss"], dtype=float)
                p_up.append((ratings <= vote).mean() if len(ratings) else np.nan)
                p_low.append((ratings >= vote).mean() if len(ratings) else np.nan)
                m_up = np.prod(1 / (2 * np.array(p_up)))
                m_low = np.prod(1 / (2 * np.array(p_low)))
                if m_up > 1 / alpha or m_low > 1 / alpha:
                    flagged[user] = len(p_up)
                    break
    return flagged


def main():
    data = json.load(sys.stdin)
    battles = pd.DataFrame(data["battles"])
    stats = pair_stats(battles)
    flagged = outliers(battles, stats, data["alpha"])
    with_prompt = battles[battles["prompt"] != ""]
    counts = with_prompt["prompt"].value_counts()
    cutoff = counts.quantile(data["percentile"])
    high = counts[counts > cutoff]
    print(
        json.dumps(
            {
                "flagged": flagged,
                "cutoff": float(cutoff),
                "high_freq": {k: int(v) for k, v in high.items()},
                "keep": int(cutoff),
            }
        )
    )


main()
