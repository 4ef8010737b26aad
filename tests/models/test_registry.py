"""Registry: versions and aliases, the promotion gate, champion as of a day, integrity."""

from __future__ import annotations

import pickle

import pytest

from models.bundle import ModelIntegrityError
from models.registry import CHALLENGER, CHAMPION, _mlflow, champion_as_of, load_version


def _client(settings):
    return _mlflow(settings)[1]


def test_first_model_is_promoted_when_there_is_no_champion(registry):
    _, history = registry
    first = history[1]["decision"]
    assert first.promoted and first.champion_version is None


def test_model_trained_on_shuffled_verdicts_is_refused(registry):
    settings, history = registry
    refused = history[2]["decision"]
    assert not refused.promoted and refused.champion_version == "1"
    assert refused.challenger["pr_auc"] < refused.champion["pr_auc"]
    tags = _client(settings).get_model_version(settings.registered_model_name, "2").tags
    assert tags["gate.decision"] == "refused" and "promoted_at" not in tags
    assert float(tags["gate.champion.pr_auc"]) == pytest.approx(refused.champion["pr_auc"], abs=1e-6)
    assert float(tags["gate.challenger.pr_auc"]) == pytest.approx(refused.challenger["pr_auc"], abs=1e-6)


def test_aliases_point_at_newest_and_promoted(registry):
    settings, history = registry
    assert history[3]["decision"].promoted
    client, name = _client(settings), settings.registered_model_name
    assert str(client.get_model_version_by_alias(name, CHALLENGER).version) == "3"
    assert str(client.get_model_version_by_alias(name, CHAMPION).version) == "3"


def test_version_tags_record_what_it_was_trained_on(registry):
    settings, history = registry
    tags = _client(settings).get_model_version(settings.registered_model_name, "1").tags
    assert tags["cutoff"] == history[1]["cutoff"].isoformat()
    assert {"sha256", "feature_list_hash", "contract_version", "code_version", "data_window"} <= set(tags)


def test_champion_as_of_a_day_is_the_one_promoted_by_then(registry, day):
    settings, _ = registry
    assert champion_as_of(day(19), settings) is None
    assert champion_as_of(day(20), settings).version == "1"
    assert champion_as_of(day(25), settings).version == "1"  # v2 (cutoff day 24) was refused
    assert champion_as_of(day(27), settings).version == "3"
    assert champion_as_of(day(40), settings).version == "3"


def test_tampered_model_file_is_refused(registry):
    settings, _ = registry
    from models.registry import _bundle_files, _model_folder

    mlflow, _ = _mlflow(settings)
    model_file = _bundle_files(_model_folder(mlflow, settings.registered_model_name, "3"))["model.lgb"]
    original = model_file.read_bytes()
    try:
        model_file.write_bytes(original.replace(b"learning_rate: 0.05", b"learning_rate: 0.06", 1))
        assert model_file.read_bytes() != original
        with pytest.raises(ModelIntegrityError, match="SHA-256"):
            load_version(settings, "3")
    finally:
        model_file.write_bytes(original)
    assert load_version(settings, "3").version == "3"


def test_load_path_unpickles_nothing(registry, monkeypatch, world):
    settings, _ = registry

    def refuse(*args, **kwargs):
        raise AssertionError("pickle used on the load path")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    model = champion_as_of(max(world[0]["feature_date"]), settings)
    assert model.booster.num_trees() > 0


def test_training_run_holds_metrics_plots_and_tags(registry):
    settings, history = registry
    client = _client(settings)
    run = client.get_run(client.get_model_version(settings.registered_model_name, "3").run_id)
    assert {"pr_auc", "roc_auc", "recall_at_p99", "recall_at_p95", "precision_at_100", "brier"} <= set(run.data.metrics)
    assert run.data.tags["cutoff"] == history[3]["cutoff"].isoformat()
    assert run.data.params["deterministic"] == "True"
    files = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"pr_curve.png", "calibration_curve.png", "shap_summary.png",
            "feature_importance.csv", "training_set.json"} <= files
