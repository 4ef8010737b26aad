"""Sensors: start a day's run when its raw folder appears, and give every failed day a
`withheld` status with its reason (a failed blocking check stops the run before publishing).
"""

import datetime as dt
import json

import dagster as dg

from pipelines.jobs import OUT_ROOT_TAG, day_job_name
from pipelines.outcome import raw_day_folders, withhold_failed_run
from pipelines.resources import SettingsResource


def build_sensors(jobs: dict) -> list:
    day_jobs = [jobs["daily_job"], jobs["daily_with_retrain_job"]]

    @dg.sensor(jobs=day_jobs, minimum_interval_seconds=300)
    def new_usage_day_sensor(context: dg.SensorEvaluationContext, distillguard: SettingsResource):
        """A run for each new `usage_logs/date=…` folder; the cursor is the folders seen."""
        seen = set(json.loads(context.cursor or "[]"))
        present = raw_day_folders(distillguard.get().raw_root)
        new = [day for day in present if day not in seen]
        context.update_cursor(json.dumps(present))
        return [
            dg.RunRequest(run_key=day, partition_key=day, job_name=day_job_name(dt.date.fromisoformat(day)))
            for day in new
        ]

    @dg.run_failure_sensor(monitored_jobs=day_jobs)
    def withhold_failed_days(context: dg.RunFailureSensorContext, distillguard: SettingsResource):
        """Withhold the failed run's day, unless the run wrote to another output root."""
        settings = distillguard.get()
        run = context.dagster_run
        day = run.tags.get("dagster/partition")
        if day is not None and run.tags.get(OUT_ROOT_TAG) == str(settings.out_root.resolve()):
            withhold_failed_run(settings, dt.date.fromisoformat(day), context.instance, run.run_id)

    return [new_usage_day_sensor, withhold_failed_days]
