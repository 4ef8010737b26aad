"""One day end to end (ingest to published) against bare DuckDB scans of its raw files.

The day runs exactly as `distillguard run --start D --end D` runs it (`pipelines.walk`:
one Dagster job in process, retraining too when `pipelines.model.retrains_on` says so), in
a fresh process whose peak RSS is the figure. The output root must hold D-6..D-1 already processed:

    DISTILLGUARD_DAGSTER_HOME=/tmp/dg_bench/dagster distillguard run --raw RAW --out OUT \
        --start D-6 --end D-1

D's `_status` is removed before each run, or the walk would skip the day as done.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
from pathlib import Path

from benchmarks.feature_stage import raw_files
from benchmarks.harness import machine_load, run_isolated, save, scan_all_columns, scan_and_sum, value_in_child
from config import load_settings
from models.registry import champion_as_of
from pipelines.jobs import day_job_name
from pipelines.model import retrains_on
from publishing.status import read_status


def run_day(raw: Path, out: Path, day: dt.date) -> None:
    from pipelines.walk import walk_days

    settings = load_settings(raw_root=raw, out_root=out)
    (settings.published / "_status" / f"date={day.isoformat()}.json").unlink(missing_ok=True)
    walk_days(settings, day, day)


def _describe(champion) -> str | None:
    return f"{champion.name} v{champion.version}" if champion else None


def measure(raw: Path, out: Path, day: dt.date, repeats: int) -> dict:
    settings = load_settings(raw_root=raw, out_root=out)
    files = raw_files(raw, day)
    champion, retrain = value_in_child(lambda: (_describe(champion_as_of(day, settings)),
                                                retrains_on(settings, day)))
    job = day_job_name(day, retrain)
    tasks = {
        "scan_all_columns": lambda: scan_all_columns(files, settings.threads),
        "scan_narrow": lambda: scan_and_sum(files, settings.threads),
        "end_to_end": lambda: run_day(raw, out, day),
    }
    seconds: dict[str, list[float]] = {name: [] for name in tasks}
    peaks: dict[str, list[float]] = {name: [] for name in tasks}
    load = [machine_load()]
    for _ in range(repeats):
        for name, fn in tasks.items():
            s, peak = run_isolated(fn)
            seconds[name].append(s)
            peaks[name].append(peak)
        load.append(machine_load())
    median = {k: statistics.median(v) for k, v in seconds.items()}
    status = read_status(settings, day) or {}
    return {
        "day": day.isoformat(), "raw_rows": scan_and_sum(files)[0], "files": len(files),
        "job": job, "champion_before_run": champion,
        "state": status.get("state"), "reason": status.get("reason"), "rows": status.get("rows"),
        "repeats": repeats, "threads": settings.threads, "load_average": load,
        "tasks": {
            name: {
                "median_s": round(median[name], 3), "runs_s": [round(s, 3) for s in seconds[name]],
                "ratio_to_scan_all_columns": round(median[name] / median["scan_all_columns"], 2),
                "ratio_to_scan_narrow": round(median[name] / median["scan_narrow"], 2),
                "peak_gib": round(max(peaks[name]), 2),
            }
            for name in tasks
        },
    }



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True, help="output root holding D-6..D-1, processed")
    parser.add_argument("--day", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--repeats", type=int, default=1, help="the day is heavy: once at full size")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results/end_to_end.json"))
    args = parser.parse_args()
    result = measure(args.raw, args.out, args.day, args.repeats)
    save(result, args.json)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
