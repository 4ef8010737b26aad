"""The day's jobs. Retraining runs inside the day's job, after its features and before its
scoring, because the champion for scoring D is the latest promoted cutoff ≤ D."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from config import Settings
from pipelines.partitions import DAILY

MODEL = dg.AssetSelection.groups("model")
# The weekday whose day is a retraining cutoff (Sunday: retrained Monday 02:00 UTC).
RETRAIN_WEEKDAY = 6
OUT_ROOT_TAG = "distillguard/out_root"


def build_jobs(settings: Settings) -> dict:
    """The jobs by name."""
    # Tagged with the output root, so the failure sensor only withholds days of its own store.
    tags = {OUT_ROOT_TAG: str(settings.out_root.resolve())}
    jobs = [
        dg.define_asset_job("daily_job", selection=dg.AssetSelection.all() - MODEL, partitions_def=DAILY,
                            tags=tags, description="Ingest, features, linkage, scoring and publishing of one day."),
        dg.define_asset_job("daily_with_retrain_job", selection=dg.AssetSelection.all(), partitions_def=DAILY,
                            tags=tags, description="The day's job with retraining at the day as cutoff."),
        dg.define_asset_job("retrain_job", selection=MODEL, partitions_def=DAILY, tags=tags,
                            description="Retrain on demand at a cutoff whose features exist."),
    ]
    return {job.name: job for job in jobs}


def day_job_name(day: dt.date, retrain: bool = False) -> str:
    return "daily_with_retrain_job" if retrain or day.weekday() == RETRAIN_WEEKDAY else "daily_job"
