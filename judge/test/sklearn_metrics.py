"""scikit-learn's metrics on the same labels, as the reference for judge/src/metrics.ts."""
import json
import sys

from sklearn.metrics import accuracy_score, cohen_kappa_score, confusion_matrix, f1_score, matthews_corrcoef

cases = json.load(sys.stdin)
out = []
for case in cases:
    t, p = case["truth"], case["predicted"]
    labels = sorted(set(t) | set(p))
    out.append({
        "accuracy": accuracy_score(t, p),
        "macroF1": f1_score(t, p, average="macro", labels=labels, zero_division=0),
        "kappa": cohen_kappa_score(t, p),
        "mcc": matthews_corrcoef(t, p),
        "confusion": confusion_matrix(t, p, labels=labels).tolist(),
        "labels": labels,
    })
json.dump(out, sys.stdout)
