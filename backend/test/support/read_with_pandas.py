"""Read an exported data set with pandas (an independent reader) and print its rows as JSON records."""
import json
import sys

import pandas as pd

fmt, path = sys.argv[1], sys.argv[2]
if fmt == "jsonl":
    df = pd.read_json(path, lines=True, dtype=False, convert_dates=False)
else:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
print(json.dumps({"columns": list(df.columns), "rows": json.loads(df.to_json(orient="records", force_ascii=False))}))
