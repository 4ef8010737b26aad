"""What a day's run tells `_status`: its inputs' fingerprint, its check results, and, when it
failed, why — so a day is published or withheld with its reason however the run ended.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import dagster as dg

from config import Settings
from publishing.publish import withhold_day
from publishing.status import read_status


def inputs_fingerprint(settings: Settings, day: dt.date) -> str:
    """Names, sizes and mtimes of the raw files day D's outputs depend on: the resume key of
    `run`. That is every usage day up to D, not D alone: D's features read the trailing
    week's aggregates and the release pivot all earlier days, campaign ids carry over from
    D-1 and training reads every earlier feature day. So a late file in day k re-runs k and
    every later day, and no earlier one."""
    raw = settings.raw_root
    days = [d for d in raw_day_folders(raw) if d < day.isoformat()] + [day.isoformat()]
    files = [f for d in days for f in sorted((raw / "usage_logs" / f"date={d}").glob("*"))]
    files += [raw / "accounts" / "accounts.parquet", raw / "enforcement_labels" / "labels.parquet"]
    digest = hashlib.sha256()
    for path in files:
        stat = path.stat() if path.exists() else None
        digest.update(f"{path.relative_to(raw)}|{stat and stat.st_size}|{stat and stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def check_results(instance: dg.DagsterInstance, run_id: str) -> dict[str, dict]:
    """The run's asset-check evaluations, by check name."""
    results = {}
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = record.dagster_event.event_specific_data
        description = evaluation.description or ""
        results[evaluation.check_name] = {"success": evaluation.passed, "summary": description}
    return results


def failure_reason(instance: dg.DagsterInstance, run_id: str) -> tuple[str, bool]:
    """(one line, retry?) of a failed run: the blocking checks that failed — a verdict on the
    day's data, final for these inputs — else the first step error, worth retrying."""
    failed = [f"{name}: {r['summary']}" for name, r in check_results(instance, run_id).items() if not r["success"]]
    if failed:
        return "blocking data check failed — " + "; ".join(failed), False
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_FAILURE):
        error = record.dagster_event.step_failure_data.error
        cause = error.cause or error if error else None
        message = cause.message.strip().splitlines()[-1] if cause else "unknown error"
        return f"step {record.dagster_event.step_key} failed: {message}", True
    return "run failed", True


def withhold_failed_run(settings: Settings, day: dt.date, instance: dg.DagsterInstance, run_id: str) -> None:
    """Withhold the day of a failed run, unless that run already published or withheld it
    (then only a check after publishing failed, and the day stands)."""
    current = read_status(settings, day)
    if current is not None and current.get("run_id") == run_id:
        return
    reason, retry = failure_reason(instance, run_id)
    withhold_day(settings, day, reason, {**day_status(settings, day, instance, run_id), "retry": retry})


def day_status(settings: Settings, day: dt.date, instance: dg.DagsterInstance, run_id: str) -> dict:
    """The status fields every outcome of a day's run records."""
    return {
        "inputs": inputs_fingerprint(settings, day),
        "run_id": run_id,
        "checks": check_results(instance, run_id),
    }


def raw_day_folders(raw_root: Path) -> list[str]:
    """Sorted `YYYY-MM-DD` of the raw `usage_logs/date=…` folders present."""
    return sorted(p.name.removeprefix("date=") for p in (raw_root / "usage_logs").glob("date=*") if p.is_dir())
