"""Schedules ask for yesterday (retraining on Mondays); the sensor asks once per new folder."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from pipelines.definitions import build_defs
from pipelines.resources import SettingsResource

MONDAY_2AM = dt.datetime(2026, 3, 9, 2, tzinfo=dt.timezone.utc)


def _requests(repo, schedule: dg.ScheduleDefinition, when: dt.datetime) -> list[dg.RunRequest]:
    with dg.build_schedule_context(scheduled_execution_time=when, repository_def=repo) as context:
        return list(schedule.evaluate_tick(context).run_requests)


def test_daily_schedule_scores_yesterday(settings):
    repo = build_defs(settings).get_repository_def()
    daily = repo.get_schedule_def("daily_schedule")
    assert daily.cron_schedule == "0 2 * * 0,2-6" and daily.execution_timezone == "UTC"
    tuesday = MONDAY_2AM + dt.timedelta(days=1)
    [request] = _requests(repo, daily, tuesday)
    assert request.partition_key == "2026-03-09"
    assert daily.job_name == "daily_job"


def test_weekly_schedule_retrains_at_sunday(settings):
    repo = build_defs(settings).get_repository_def()
    weekly = repo.get_schedule_def("weekly_retrain_schedule")
    [request] = _requests(repo, weekly, MONDAY_2AM)
    assert request.partition_key == "2026-03-08"
    assert weekly.job_name == "daily_with_retrain_job"


def test_sensor_requests_each_new_day_once(settings):
    repo = build_defs(settings).get_repository_def()
    sensor = repo.get_sensor_def("new_usage_day_sensor")
    logs = settings.raw_root / "usage_logs"
    for day in ("2026-03-07", "2026-03-06"):
        (logs / f"date={day}").mkdir(parents=True)
    resources = {"distillguard": SettingsResource.of(settings)}

    with dg.build_sensor_context(resources=resources, repository_def=repo) as context:
        first = sensor.evaluate_tick(context)
    assert [(r.partition_key, r.job_name) for r in first.run_requests] == [
        ("2026-03-06", "daily_job"), ("2026-03-07", "daily_job")]

    (logs / "date=2026-03-08").mkdir()  # a Sunday: its run retrains
    with dg.build_sensor_context(cursor=first.cursor, resources=resources, repository_def=repo) as context:
        second = sensor.evaluate_tick(context)
    assert [(r.partition_key, r.job_name) for r in second.run_requests] == [
        ("2026-03-08", "daily_with_retrain_job")]
    assert second.run_requests[0].run_key == "2026-03-08"
