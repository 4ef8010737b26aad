"""Every asset materializes in process for a day of the `tiny` world, on the persistent
instance; a day whose input is missing is withheld with its reason; a finished day is not
run again."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest

from pipelines.instance import get_instance
from pipelines.walk import walk_days
from publishing.status import read_status
from tests.pipelines.conftest import make_settings
from tests.pipelines.test_definitions import ASSET_GROUPS

FIRST = dt.date(2026, 3, 2)


@pytest.fixture(scope="module")
def first_day(tiny_raw, tmp_path_factory):
    settings = make_settings(tmp_path_factory.mktemp("first_day"), raw=tiny_raw)
    return settings, walk_days(settings, FIRST, FIRST)


def test_every_asset_materializes(first_day):
    settings, counts = first_day
    assert counts == {"withheld": 1}
    instance = get_instance(settings)
    [run] = instance.get_runs()  # on the persistent instance, so the UI shows it
    assert run.job_name == "daily_with_retrain_job" and run.tags["dagster/partition"] == FIRST.isoformat()
    materialized = {
        record.dagster_event.asset_key.to_user_string()
        for record in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
    }
    assert materialized == set(ASSET_GROUPS)


def test_checks_pass_and_the_day_is_withheld_without_champion(first_day):
    settings, _ = first_day
    status = read_status(settings, FIRST)
    assert status["state"] == "withheld" and status["reason"] == f"no champion model as of {FIRST}"
    blocking = {"usage_log_contract", "account_features_contract", "account_scores_contract"}
    assert blocking <= {name for name, r in status["checks"].items() if r["success"]}
    assert not (settings.published / "account_scores" / f"date={FIRST}").exists()
    assert (settings.reports / f"date={FIRST}.html").exists()
    assert settings.warehouse_day("features", FIRST).exists()


def test_a_finished_day_is_skipped(first_day):
    settings, _ = first_day
    assert walk_days(settings, FIRST, FIRST) == {"skipped (done before)": 1}
    assert len(get_instance(settings).get_runs()) == 1


def test_missing_day_is_withheld_with_its_reason(tiny_raw, tmp_path):
    raw = tmp_path / "raw"
    for part in ("accounts", "enforcement_labels", f"usage_logs/date={FIRST}"):
        (raw / part).parent.mkdir(parents=True, exist_ok=True)
        (raw / part).symlink_to(tiny_raw / part)
    settings = make_settings(tmp_path, raw=raw)
    missing = FIRST + dt.timedelta(days=1)
    assert walk_days(settings, missing, missing) == {"withheld": 1}
    status = read_status(settings, missing)
    assert status["reason"].startswith("blocking data check failed — usage_log_contract:")
    assert f"no usage logs for {missing}" in status["reason"]
    assert status["retry"] is False
