"""Reasons (`models.scoring.score_accounts`) against LightGBM's bare `pred_contrib` on the
same rows: the issue's budget is 1.1× (issue 5).

The model is the champion of a processed world (a registry under OUT), trained on real
features; the rows are that world's stored feature tables, tiled to `--rows` so the timing
is of an incident-sized day (~250k active accounts) rather than of timer noise. Tiling
keeps the share of rows that get reasons, which is what explanation costs beyond
`pred_contrib`. Both run in this process, interleaved, with the model's own thread count.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.harness import machine_load, save
from config import load_settings
from models.registry import champion_as_of
from models.scoring import score_accounts


def load_rows(out: Path, rows: int) -> pd.DataFrame:
    files = sorted((out / "warehouse" / "features").glob("date=*/part-0.parquet"))
    if not files:
        raise SystemExit(f"no feature tables under {out}/warehouse/features")
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    reps = -(-rows // len(frame))
    return pd.concat([frame] * reps, ignore_index=True).iloc[:rows]


def measure(out: Path, day: dt.date, rows: int, repeats: int) -> dict:
    settings = load_settings(out_root=out)
    model = champion_as_of(day, settings)
    if model is None:
        raise SystemExit(f"no champion as of {day} in {out}")
    features = load_rows(out, rows)

    def bare() -> None:
        values = features[model.feature_names].to_numpy(np.float64)
        model.booster.predict(values, pred_contrib=True, num_threads=model.threads)

    def reasons() -> pd.DataFrame:
        return score_accounts(model, features)

    timings: dict[str, list[float]] = {"pred_contrib": [], "score_accounts": []}
    for _ in range(repeats):
        for name, fn in (("pred_contrib", bare), ("score_accounts", reasons)):
            start = time.perf_counter()
            fn()
            timings[name].append(time.perf_counter() - start)
    scores = reasons()
    median = {k: statistics.median(v) for k, v in timings.items()}
    return {
        "model": f"{model.name} v{model.version}", "trees": model.booster.num_trees(),
        "features": len(model.feature_names), "threads": model.threads,
        "rows": len(features), "distinct_rows": int(len(features.drop_duplicates(["feature_date", "account_id"]))),
        "rows_with_reasons": int((scores["risk_tier"] != "none").sum()),
        "repeats": repeats,
        "median_s": {k: round(v, 3) for k, v in median.items()},
        "runs_s": {k: [round(s, 3) for s in v] for k, v in timings.items()},
        "ratio": round(median["score_accounts"] / median["pred_contrib"], 3),
        "load_average": machine_load(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="an output root with a champion")
    parser.add_argument("--day", type=dt.date.fromisoformat, required=True, help="champion as of this day")
    parser.add_argument("--rows", type=int, default=250_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results/explanations.json"))
    args = parser.parse_args()
    result = measure(args.out, args.day, args.rows, args.repeats)
    save(result, args.json)
    print(result)


if __name__ == "__main__":
    main()
