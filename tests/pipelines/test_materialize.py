"""Every asset materializes in process for a day of the `tiny` world, on the persistent
instance; a day whose input is missing is withheld with its reason; a finished day is not
run again; the first published day's materializations carry what the UI shows."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest
from mlflow import MlflowClient

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
    # The reason is the model stage's: one feature day cannot be split into train and validation.
    assert status["state"] == "withheld" and status["reason"] == (
        f"no champion model as of {FIRST}: 1 feature day(s) up to {FIRST}: need 2, one to train "
        f"on and one to validate on")
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


# What the data team reads in the Dagster UI (issue 6 item 2), asset by asset.
UI_METADATA = {
    "usage_logs_day": {"rows_kept", "rows_quarantined", "quarantine_by_reason"},
    "account_features": {"accounts", "in_campaigns"},
    "campaigns": {"campaigns", "accounts_in_campaigns"},
    "risk_model": {"model_version", "promoted", "mlflow_run", "mlflow_model"},
    "account_scores_day": {"rows", "tiers", "score_histogram", "mlflow_run", "mlflow_model"},
    "campaigns_day": {"campaigns", "flagged_campaigns"},
    "published_day": {"state", "account_rows", "campaign_rows", "report"},
}


@pytest.mark.slow
def test_materializations_carry_counts_tiers_histogram_and_mlflow_links(first_published_day):
    settings, day = first_published_day
    instance = get_instance(settings)
    [run] = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": day.isoformat()}))
    metadata = {
        record.dagster_event.asset_key.to_user_string(): record.dagster_event.materialization.metadata
        for record in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
    }
    # No champion before this day, so its run also trained one: `risk_model` is in it.
    for asset, keys in UI_METADATA.items():
        assert keys <= set(metadata[asset]), f"{asset} lacks {keys - set(metadata[asset])}"
    status = read_status(settings, day)
    scores = metadata["account_scores_day"]
    assert scores["rows"].value == status["rows"]["account_scores"]
    assert all(f"| {tier} | {n:,} |" in scores["tiers"].md_str for tier, n in status["tiers"].items())
    assert scores["score_histogram"].md_str.count("\n") == 2 + 10 - 1  # header, rule, ten bins
    # The links lead to the version that scored the day and to the run that trained it.
    version = MlflowClient(settings.tracking_uri).get_model_version(
        settings.registered_model_name, status["model_version"])
    assert scores["mlflow_model"].url.endswith(f"/#/models/{version.name}/versions/{version.version}")
    assert scores["mlflow_run"].url.endswith(f"/runs/{version.run_id}")
    assert metadata["risk_model"]["mlflow_run"].url == scores["mlflow_run"].url
    assert metadata["published_day"]["state"].value == "published"
    quarantined = metadata["usage_logs_day"]["rows_quarantined"].value
    by_reason = metadata["usage_logs_day"]["quarantine_by_reason"].md_str
    assert quarantined > 0 and sum(int(line.split("|")[2].replace(",", "")) for line in by_reason.splitlines()[2:]) == quarantined
