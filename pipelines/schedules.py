"""When production runs: every night at 02:00 UTC for yesterday, the day's job; on Mondays
the same run also retrains at Sunday as cutoff (the weekly retraining), so the two
schedules never run the same day twice."""

from __future__ import annotations

import datetime as dt

import dagster as dg


def _yesterday_schedule(job, name: str, cron: str, description: str) -> dg.ScheduleDefinition:
    @dg.schedule(job=job, name=name, cron_schedule=cron, execution_timezone="UTC", description=description)
    def _schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        day = (context.scheduled_execution_time - dt.timedelta(days=1)).date().isoformat()
        return dg.RunRequest(run_key=day, partition_key=day)

    return _schedule


def build_schedules(jobs: dict) -> list[dg.ScheduleDefinition]:
    return [
        _yesterday_schedule(jobs["daily_job"], "daily_schedule", "0 2 * * 0,2-6",
                            "Score and publish yesterday (Mondays: weekly_retrain_schedule)."),
        _yesterday_schedule(jobs["daily_with_retrain_job"], "weekly_retrain_schedule", "0 2 * * 1",
                            "Mondays: yesterday's day, retraining at it as cutoff before scoring it."),
    ]
