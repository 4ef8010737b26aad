"""Feature stage of one day (ingest → aggregates → linkage → campaigns → features) against
bare DuckDB scans of the same raw files, and against the same features in plain pandas.

Each stage is the production asset body (`pipelines/`), invoked directly for day D in its
own process, reading what the previous stage stored: exactly the path `distillguard run`
takes, minus Dagster's run bookkeeping. The output root must already hold days D-6..D-1
(aggregates, campaign members) and the snapshots, as production would have them:

    DISTILLGUARD_DAGSTER_HOME=/tmp/dg_bench/dagster distillguard run --raw RAW --out OUT \
        --start D-6 --end D-1

References, measured in the same run and interleaved with the stages:
- `scan_all_columns` (headline): every raw column the stage reads, each reduced once;
- `scan_narrow`: the lead's `harness.scan_and_sum` (a few integer columns, distinct accounts);
- `copy_day`: read every raw column and store it again (see `copy_day`), a floor for a
  design that keeps the validated day between stages;
- `floor`: the group-bys the features cannot do without, hand-written, in one process,
  nothing validated or stored (see `benchmarks.feature_floor`): a floor for any design;
- `pandas`: what a user would write (see `pandas_features`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time
from pathlib import Path

import dagster as dg

from benchmarks.feature_floor import floor
from benchmarks.harness import machine_load, run_isolated_with_value, save, scan_all_columns, scan_and_sum
from config import load_settings
from pipelines.features import account_day_aggregates, account_features
from pipelines.ingest import accounts, labels, usage_logs_day
from pipelines.io import write_table
from pipelines.linkage import campaigns, linkage_keys_day
from pipelines.resources import SettingsResource

# In pipeline order; each reads what the one before stored.
STAGES = {
    "ingest_snapshots": (accounts, labels),  # the daily job refreshes them every day
    "ingest_day": (usage_logs_day,),
    "aggregates": (account_day_aggregates,),
    "linkage_keys": (linkage_keys_day,),
    "campaigns": (campaigns,),
    "window_and_assemble": (account_features,),
}


def raw_files(raw: Path, day: dt.date) -> list[Path]:
    return sorted((raw / "usage_logs" / f"date={day.isoformat()}").glob("*.parquet"))


def run_stage(assets: tuple, resource: SettingsResource, day: dt.date) -> None:
    for asset in assets:
        if asset.partitions_def is None:  # the snapshots take no context
            asset(distillguard=resource)
        else:
            asset(context=dg.build_asset_context(partition_key=day.isoformat()), distillguard=resource)


def warm_up(day: dt.date) -> float:
    """Pay, before forking, the set-up `distillguard run` pays once per process, not once
    per stage: Dagster's first asset context (~1.7 s of lazy imports and instance set-up)
    and the import of Ibis's DuckDB backend with its SQL compilers (~0.5 s, measured per
    stage in the profile). Each stage still opens its own connection and compiles its own
    expressions, as the assets do. Returns the seconds this set-up took."""
    start = time.perf_counter()
    dg.build_asset_context(partition_key=day.isoformat())
    import ibis

    ibis.duckdb.connect().disconnect()
    return time.perf_counter() - start


def copy_day(files: list[Path], folder: Path) -> None:
    """The floor of any design that stores the validated day, as ours does for the stages
    after ingest: read every raw column into Arrow and write it back with the warehouse's
    own `write_table`, nothing validated, hashed or computed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    write_table(pa.concat_tables([pq.read_table(f) for f in files]), folder)


def pandas_features(files: list[Path], warehouse: Path, day: dt.date) -> None:
    """The straightforward pandas a user would write for the main account-day aggregates
    and the 7-day window. A subset: volume, topic, hour, ip-kind and behaviour counts,
    distinct addresses/ASNs/countries/keys/agents/templates, top template, inter-arrival
    gaps; then the 7-day sums (earlier days from the stored aggregates) with shares and
    hour entropy. No validation, quarantine, hashing, linkage, campaigns, release pivot or
    account attributes."""
    import numpy as np
    import pandas as pd

    from features.aggregates import HOURS, IP_KINDS, TOPICS, hour_column, ip_kind_column, topic_column
    from features.windows import _ADDITIVE

    u = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    u["hour"] = u.ts.dt.hour
    g = u.groupby("account_id")
    agg = g.agg(
        requests=("request_id", "size"), input_tokens=("input_tokens", "sum"),
        output_tokens=("output_tokens", "sum"), reasoning_tokens=("reasoning_tokens", "sum"),
        cot_requests=("cot_elicitation", "sum"), distinct_ips=("ip", "nunique"),
        distinct_asns=("asn", "nunique"), distinct_countries=("country", "nunique"),
        distinct_api_keys=("api_key_id", "nunique"), distinct_user_agents=("user_agent", "nunique"),
        distinct_templates=("prompt_simhash", "nunique"),
    )
    flags = pd.DataFrame({
        "account_id": u.account_id,
        "single_turn_requests": u.turn_index == 1, "tool_requests": u.tool_count > 0,
        "temperature_zero_requests": u.temperature == 0, "rate_limited_requests": u.status == 429,
    }).groupby("account_id").sum()
    topics = pd.crosstab(u.account_id, u.topic).reindex(columns=list(TOPICS), fill_value=0)
    topics.columns = [topic_column(t) for t in TOPICS]
    hours = pd.crosstab(u.account_id, u.hour).reindex(columns=list(HOURS), fill_value=0)
    hours.columns = [hour_column(h) for h in HOURS]
    kinds = pd.crosstab(u.account_id, u.ip_kind).reindex(columns=list(IP_KINDS), fill_value=0)
    kinds.columns = [ip_kind_column(k) for k in IP_KINDS]
    top_template = u.groupby(["account_id", "prompt_simhash"]).size().groupby(level=0).max()
    ordered = u[["account_id", "ts"]].sort_values(["account_id", "ts"])
    gap = ordered.ts.diff().dt.total_seconds().where(ordered.account_id.eq(ordered.account_id.shift()))
    gaps = pd.DataFrame({"account_id": ordered.account_id, "g": gap, "g2": gap * gap}).groupby("account_id")
    today = pd.concat([agg, flags, topics, hours, kinds], axis=1).assign(
        top_template_requests=top_template, gap_count=gaps.g.count(), gap_sum_s=gaps.g.sum(),
        gap_sq_sum_s=gaps.g2.sum(), day=day,
    ).reset_index()

    earlier = [warehouse / "account_day" / f"date={day - dt.timedelta(days=i)}" / "part-0.parquet"
               for i in range(1, 7)]
    additive = [c for c in _ADDITIVE if c in today.columns]
    week = pd.concat([today[["account_id", *additive]],
                      *(pd.read_parquet(p, columns=["account_id", *additive]) for p in earlier if p.exists())])
    s = week.groupby("account_id")[additive].sum().loc[today.account_id]
    n = s.requests
    p = s[[hour_column(h) for h in HOURS]].div(n, axis=0)
    features = pd.DataFrame({
        "requests_7d": n,
        "cot_share_7d": s.cot_requests / n,
        "output_input_ratio_7d": s.output_tokens / s.input_tokens.replace(0, np.nan),
        "hour_entropy_7d": -(p * np.log2(p.where(p > 0))).fillna(0).sum(axis=1),
        "topic_top_share_7d": s[[topic_column(t) for t in TOPICS]].max(axis=1) / n,
        "datacenter_share_7d": s.datacenter_requests / n,
        "interarrival_cv_1d": (np.sqrt((today.gap_sq_sum_s / today.gap_count
                                        - (today.gap_sum_s / today.gap_count) ** 2).clip(lower=0))
                               / (today.gap_sum_s / today.gap_count)).to_numpy(),
    })
    assert len(features) == len(today)


def measure(raw: Path, out: Path, day: dt.date, repeats: int) -> dict:
    settings = load_settings(raw_root=raw, out_root=out)
    resource = SettingsResource.of(settings)
    files = raw_files(raw, day)
    if not files:
        raise SystemExit(f"no raw files for {day} under {raw}")
    missing = [d for d in (day - dt.timedelta(days=i) for i in range(1, 7))
               if not (settings.warehouse_day("account_day", d)).exists()]
    if missing:
        raise SystemExit(f"{out} lacks the aggregates of {', '.join(map(str, missing))}: process them first")
    tasks = {
        "scan_all_columns": lambda: scan_all_columns(files, settings.threads),
        "scan_narrow": lambda: scan_and_sum(files, settings.threads),
        "copy_day": lambda: copy_day(files, out / "_benchmark_copy_day"),
        "floor": lambda: floor(files, settings.threads),
        **{name: (lambda assets=assets: run_stage(assets, resource, day)) for name, assets in STAGES.items()},
        "pandas": lambda: pandas_features(files, settings.warehouse, day),
    }
    seconds: dict[str, list[float]] = {name: [] for name in tasks}
    peaks: dict[str, list[float]] = {name: [] for name in tasks}
    floor_parts: list[dict[str, float]] = []
    set_up_s = warm_up(day)
    load_before = machine_load()
    for _ in range(repeats):  # interleaved: the machine's noise hits every task alike
        for name, fn in tasks.items():
            s, peak, value = run_isolated_with_value(fn)
            seconds[name].append(s)
            peaks[name].append(peak)
            if name == "floor":
                floor_parts.append(value)
    seconds["feature_stage"] = [sum(seconds[n][i] for n in STAGES) for i in range(repeats)]
    seconds["feature_stage_without_snapshots"] = [
        sum(seconds[n][i] for n in STAGES if n != "ingest_snapshots") for i in range(repeats)]
    median = {name: statistics.median(runs) for name, runs in seconds.items()}
    rows = scan_and_sum(files)[0]
    return {
        "day": day.isoformat(), "raw_rows": rows, "files": len(files), "repeats": repeats,
        "threads": settings.threads, "load_average_before": load_before,
        "process_set_up_s_once_per_run": round(set_up_s, 3),
        "tasks": {
            name: {
                "median_s": round(median[name], 3),
                "runs_s": [round(s, 3) for s in seconds[name]],
                "ratio_to_scan_all_columns": round(median[name] / median["scan_all_columns"], 2),
                "ratio_to_scan_narrow": round(median[name] / median["scan_narrow"], 2),
                **({"peak_gib": round(max(peaks[name]), 2)} if name in peaks else {}),
            }
            for name in seconds
        },
        "peak_gib_max_stage": round(max(max(peaks[n]) for n in STAGES), 2),
        "feature_stage_to_floor": round(median["feature_stage"] / median["floor"], 2),
        "floor_parts_median_s": {
            part: round(statistics.median(p[part] for p in floor_parts), 3) for part in floor_parts[0]},
    }



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True, help="output root holding D-6..D-1")
    parser.add_argument("--day", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results/feature_stage.json"))
    args = parser.parse_args()
    os.environ.setdefault("DISTILLGUARD_THREADS", "2")
    result = measure(args.raw, args.out, args.day, args.repeats)
    result["load_average_after"] = machine_load()
    save(result, args.json)
    for name, row in result["tasks"].items():
        print(f"{name:34s} {row['median_s']:8.2f} s  ×{row['ratio_to_scan_all_columns']:6.2f} (all cols)"
              f"  ×{row['ratio_to_scan_narrow']:6.2f} (narrow)  peak {row.get('peak_gib', '-')} GiB")


if __name__ == "__main__":
    main()
