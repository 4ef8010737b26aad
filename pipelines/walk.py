"""`distillguard run`: walk the days forward as production would have run them.

Each day is one run of the day's job on the persistent Dagster instance, so it appears in
the UI afterwards. Day D reads logs up to D only; retraining (cutoff D, verdicts decided by
D) runs inside day D's job on the weekly cutoff day, and every day until a first champion
exists and during the warm-up (`pipelines.model.retrains_on`); day D is scored by the
champion as of D. A day whose run fails is withheld with the failure as reason.

Resume: a day is skipped when its `_status` is `published` or `withheld` for the same
inputs fingerprint (names, sizes and mtimes of the raw files it reads), unless it was
withheld because a step crashed (`retry`). So a killed run restarts at the first
unfinished day, a changed input day is redone, and a verdict on the data (no champion, a
failed blocking check) is not. The fingerprint of day D covers every usage day up to D
(see `inputs_fingerprint`), so late logs for day k redo k and every later day.

A champion that cannot be read (the MLflow store unreachable, a model file failing its
SHA-256) withholds the day, to be retried, and the walk goes on: no job runs without
knowing which model scores it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from tqdm import tqdm

from config import Settings
from models.registry import champion_as_of
from pipelines.cli import UsageError
from pipelines.definitions import build_defs
from pipelines.instance import get_instance
from pipelines.jobs import day_job_name
from pipelines.model import retrains_on
from pipelines.outcome import inputs_fingerprint, raw_day_folders, withhold_failed_run
from pipelines.partitions import DAILY
from publishing.publish import withhold_day
from publishing.status import read_status

# Dagster's per-event console lines would drown the progress bar; failures still print.
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def plan_days(settings: Settings, start: dt.date | None, end: dt.date | None) -> list[dt.date]:
    """Every calendar day from start to end (defaults: the raw root's first and last day);
    a day missing in between is still tried, and withheld as missing input."""
    folders = raw_day_folders(settings.raw_root)
    if not folders:
        raise UsageError(f"--raw {settings.raw_root}: no usage_logs/date=YYYY-MM-DD folders")
    start = start or dt.date.fromisoformat(folders[0])
    end = end or dt.date.fromisoformat(folders[-1])
    if start > end:
        raise UsageError(f"--start {start} is after --end {end}")
    first, last = DAILY.get_first_partition_key(), DAILY.get_last_partition_key()
    if start.isoformat() < first or end.isoformat() > last:
        raise UsageError(f"days must lie within the daily partitions {first} … {last}")
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def is_done(settings: Settings, day: dt.date) -> bool:
    status = read_status(settings, day) or {}
    return (status.get("state") in ("published", "withheld") and not status.get("retry")
            and status.get("inputs") == inputs_fingerprint(settings, day))


def walk_days(settings: Settings, start: dt.date | None = None, end: dt.date | None = None) -> Counter:
    """Run each planned day; returns how many days ended published, withheld or skipped."""
    days = plan_days(settings, start, end)
    defs, instance = build_defs(settings), get_instance(settings)
    counts: Counter = Counter()
    progress = tqdm(days, unit="day", desc="distillguard run")
    for day in progress:
        progress.set_postfix_str(day.isoformat())
        if is_done(settings, day):
            counts["skipped (done before)"] += 1
            continue
        try:
            champion_as_of(day, settings)  # even in the warm-up: a job must not meet a dead registry
            retrain = retrains_on(settings, day)
        except Exception as error:  # any failure of the registry or of the model it holds
            withhold_unreadable_champion(settings, day, error)
            counts["withheld"] += 1
            continue
        job = defs.resolve_job_def(day_job_name(day, retrain))
        result = job.execute_in_process(partition_key=day.isoformat(), instance=instance,
                                        run_config=QUIET, raise_on_error=False)
        if not result.success:
            withhold_failed_run(settings, day, instance, result.run_id)
        counts[read_status(settings, day)["state"]] += 1
    return counts


def withhold_unreadable_champion(settings: Settings, day: dt.date, error: Exception) -> None:
    first_line = (str(error).strip() or "no detail").splitlines()[0]
    reason = (f"the champion model as of {day} cannot be read from the MLflow registry "
              f"({type(error).__name__}: {first_line})")
    withhold_day(settings, day, reason, {"inputs": inputs_fingerprint(settings, day), "run_id": None,
                                         "checks": {}, "retry": True})
