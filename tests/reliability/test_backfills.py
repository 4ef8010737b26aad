"""Backfills are idempotent: the same range run twice changes nothing; late logs for day k
redo day k and every later day (their features, campaign ids and training read day k),
no earlier one; and undoing the late file gives back byte-identical published days.

The late-log run works under a folder whose name holds a quote, so every path that
reaches SQL on the way (ingest, Ibis/DuckDB features, MLflow's SQLite, the mirror) is
exercised with one."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.walk import is_done, plan_days, walk_days
from publishing.status import read_status
from tests.reliability.conftest import FIRST, LAST, add_file, copy_of, published_bytes

LATE_ROWS = 300


def statuses(settings) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((settings.published / "_status").glob("*.json"))}


def rows_read(settings, day: dt.date) -> int:
    summary = read_status(settings, day)["checks"]["usage_log_contract"]["summary"]
    return int(summary.split(": ")[1].split(" rows read")[0])


@pytest.mark.slow
def test_running_the_same_range_twice_rewrites_nothing(tiny_run):
    settings = tiny_run.settings()
    before = (published_bytes(settings), statuses(settings))
    assert len(before[1]) == (LAST - FIRST).days + 1
    assert walk_days(settings) == {"skipped (done before)": len(before[1])}
    assert (published_bytes(settings), statuses(settings)) == before


@pytest.mark.slow
def test_late_file_marks_its_day_and_every_later_day_for_a_rerun(tiny_run, tmp_path):
    late_day = FIRST + dt.timedelta(days=3)
    copy = copy_of(tiny_run, tmp_path)
    settings = tiny_run.settings(raw_root=copy.raw)  # the run's statuses, the copied logs
    days = plan_days(settings, None, None)
    assert [d for d in days if not is_done(settings, d)] == []
    add_file(copy.raw, late_day, "late", LATE_ROWS)
    assert [d for d in days if not is_done(settings, d)] == [d for d in days if d >= late_day]


@pytest.mark.slow
def test_late_logs_rerun_exactly_the_affected_day_and_undoing_them_restores_the_bytes(tiny_run, tmp_path):
    original = tiny_run.settings()
    copy = copy_of(tiny_run, tmp_path / "o'brien's backfill")
    settings = copy.settings()
    published, before = published_bytes(original), statuses(original)
    assert published, "the tiny run published no day: nothing to compare"

    late = add_file(copy.raw, LAST, "late", LATE_ROWS)
    assert walk_days(settings) == {"skipped (done before)": len(before) - 1, "published": 1}
    after = statuses(settings)
    assert {k: v for k, v in after.items() if LAST.isoformat() not in k} == \
           {k: v for k, v in before.items() if LAST.isoformat() not in k}
    assert rows_read(settings, LAST) == rows_read(original, LAST) + LATE_ROWS
    assert published_bytes(settings) != published

    late.unlink()
    assert walk_days(settings) == {"skipped (done before)": len(before) - 1, "published": 1}
    assert published_bytes(settings) == published
    assert read_status(settings, LAST)["rows"] == read_status(original, LAST)["rows"]
