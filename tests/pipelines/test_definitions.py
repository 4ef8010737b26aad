"""The Definitions load, and their shape is what the data team's UI is documented to show."""

from __future__ import annotations

import dagster as dg

from pipelines.definitions import build_defs, defs

ASSET_GROUPS = {
    "accounts": "ingest",
    "labels": "ingest",
    "usage_logs_day": "ingest",
    "account_day_aggregates": "features",
    "account_features": "features",
    "linkage_keys_day": "linkage",
    "campaigns": "linkage",
    "training_set": "model",
    "risk_model": "model",
    "account_scores_day": "scoring",
    "campaigns_day": "scoring",
    "published_day": "publish",
}
CHECKS = {  # (asset, check) -> blocking
    ("usage_logs_day", "usage_log_contract"): True,
    ("account_features", "account_features_contract"): True,
    ("account_features", "feature_drift"): False,
    ("account_scores_day", "account_scores_contract"): True,
    ("account_scores_day", "score_drift"): False,
    ("published_day", "published_freshness"): False,
}


def test_definitions_load():
    dg.Definitions.validate_loadable(defs)
    jobs = {job.name for job in defs.get_repository_def().get_all_jobs()}
    assert {"daily_job", "daily_with_retrain_job", "retrain_job"} <= jobs


def test_assets_by_stage():
    graph = defs.resolve_asset_graph()
    groups = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert groups == ASSET_GROUPS
    unpartitioned = {k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).partitions_def is None}
    assert unpartitioned == {"accounts", "labels"}


def test_checks_and_which_block():
    graph = defs.resolve_asset_graph()
    found = {(k.asset_key.to_user_string(), k.name): graph.get_check_spec(k).blocking
             for k in graph.asset_check_keys}
    assert found == CHECKS


def test_daily_job_leaves_out_training():
    graph = defs.resolve_asset_graph()
    daily = defs.resolve_job_def("daily_job").asset_layer.selected_asset_keys
    assert {k.to_user_string() for k in daily} == set(ASSET_GROUPS) - {"training_set", "risk_model"}
    assert graph.get(dg.AssetKey("risk_model")).partitions_def is not None


def test_jobs_carry_their_output_root(settings):
    job = build_defs(settings).resolve_job_def("daily_job")
    assert job.tags["distillguard/out_root"] == str(settings.out_root.resolve())
