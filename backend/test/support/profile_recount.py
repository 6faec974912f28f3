"""Recount of the model execution profiles from an exported `battles` data set (JSON lines) with pandas,
independently of the server: per model, overall / by language / by environment, answers, share with code,
run statuses with Wilson intervals, median and p90 CPU and peak memory with order-statistic intervals, and
re-run behaviour. Usage: profile_recount.py battles.jsonl; prints {model: profile} as JSON."""
import json
import math
import sys

import numpy as np
import pandas as pd

Z = 1.959963984540054
STATUSES = {
    "ok": "ok",
    "compileError": "compile_error",
    "runtimeError": "runtime_error",
    "timeout": "timeout",
    "memoryLimit": "memory_limit",
    "unsupported": "unsupported",
}


def wilson(count, of):
    if of == 0:
        return {"count": count, "of": of, "share": None, "low": None, "high": None}
    p = count / of
    d = 1 + Z * Z / of
    centre = (p + Z * Z / (2 * of)) / d
    half = Z / d * math.sqrt(p * (1 - p) / of + Z * Z / (4 * of * of))
    return {"count": count, "of": of, "share": p, "low": max(0.0, centre - half), "high": min(1.0, centre + half)}


def quantile(values, q):
    if len(values) == 0:
        return {"value": None, "low": None, "high": None}
    s = np.sort(np.array(values, dtype=float))
    n = len(s)
    spread = Z * math.sqrt(n * q * (1 - q))
    lo = min(n, max(1, math.floor(n * q - spread)))
    hi = min(n, max(1, math.ceil(n * q + spread)))
    return {"value": float(pd.Series(s).quantile(q)), "low": float(s[lo - 1]), "high": float(s[hi - 1])}


def group(answers):
    runs = [a["run"] for a in answers if a["run"] is not None]
    finished = [r for r in runs if r["status"] is not None]
    out = {"answers": len(answers), "withCode": wilson(len(runs), len(answers)), "finishedRuns": len(finished)}
    for key, status in STATUSES.items():
        out[key] = wilson(sum(1 for r in finished if r["status"] == status), len(finished))
    cpu = [r["cpu_ms"] for r in finished if r["cpu_ms"] is not None]
    mem = [r["peak_memory_bytes"] for r in finished if r["peak_memory_bytes"] is not None]
    out["cpuMs"] = {"runs": len(cpu), "median": quantile(cpu, 0.5), "p90": quantile(cpu, 0.9)}
    out["peakMemoryBytes"] = {"runs": len(mem), "median": quantile(mem, 0.5), "p90": quantile(mem, 0.9)}
    return out


def by(answers, key):
    groups = {}
    for a in answers:
        if a["run"] is None or not a["run"].get(key):
            continue
        groups.setdefault(a["run"][key], []).append(a)
    return {k: group(v) for k, v in sorted(groups.items())}


def main():
    df = pd.read_json(sys.argv[1], lines=True, dtype=False)
    df = df.drop_duplicates("question_id")
    answers = {}
    for row in df.itertuples():
        for side in ("a", "b"):
            model = getattr(row, f"model_{side}")
            conversation = getattr(row, f"conversation_{side}")
            runs = getattr(row, f"executions_{side}")
            turn = -1
            for message in conversation:
                if message["role"] == "user":
                    turn += 1
                    continue
                own = [r for r in runs if r["turn"] == turn and r["origin"] == "answer"]
                reruns = [r for r in runs if r["turn"] == turn and r["origin"] == "rerun"]
                answers.setdefault(model, []).append({"run": own[0] if own else None, "reruns": reruns, "battle": row.question_id})
    out = {}
    for model, items in answers.items():
        with_code = [a for a in items if a["run"] is not None]
        failed_edited = [
            a for a in with_code
            if a["run"]["status"] is not None and a["run"]["status"] != "ok" and any(r["edited"] for r in a["reruns"])
        ]
        out[model] = {
            "battles": len({a["battle"] for a in items}),
            "overall": group(items),
            "byLanguage": by(items, "language"),
            "byEnvironment": by(items, "environment"),
            "reruns": {
                "runs": sum(len(a["reruns"]) for a in items),
                "edited": sum(1 for a in items for r in a["reruns"] if r["edited"]),
                "answersRerun": wilson(sum(1 for a in with_code if a["reruns"]), len(with_code)),
                "rescued": wilson(
                    sum(1 for a in failed_edited if any(r["edited"] and r["status"] == "ok" for r in a["reruns"])),
                    len(failed_edited),
                ),
            },
        }
    print(json.dumps(out))


main()
