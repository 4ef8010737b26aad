"""The settings object is the one reader of the environment; its precedence is the contract."""

from pathlib import Path

import pytest

from config import load_settings


def test_precedence_defaults_file_env_overrides(tmp_path: Path):
    file = tmp_path / "distillguard.toml"
    file.write_text('threads = 3\nquarantine_max_share = 0.05\n[tiers]\nverify = 0.9\n')
    env = {"DISTILLGUARD_THREADS": "1"}
    s = load_settings(file=file, env=env, raw_root=tmp_path / "raw")
    assert s.threads == 1  # env beats file
    assert s.quarantine_max_share == 0.05  # file beats default
    assert s.tiers.verify == 0.9 and s.tiers.suspend_review == 0.99
    assert s.raw_root == tmp_path / "raw"  # override beats all


def test_config_file_named_by_environment(tmp_path: Path):
    file = tmp_path / "c.toml"
    file.write_text('engine = "pyspark"\n')
    assert load_settings(env={"DISTILLGUARD_CONFIG": str(file)}).engine == "pyspark"


def test_unknown_setting_is_an_error_not_ignored():
    with pytest.raises(ValueError, match="unknown setting 'thread'"):
        load_settings(env={}, thread=2)


def test_mlflow_store_lives_beside_the_outputs_it_explains(tmp_path: Path):
    s = load_settings(env={}, out_root=tmp_path / "out")
    assert s.tracking_uri == f"sqlite:///{(tmp_path / 'out' / 'mlflow' / 'mlflow.db').resolve()}"
    assert load_settings(env={"DISTILLGUARD_MLFLOW_TRACKING_URI": "http://127.0.0.1:5000"}).tracking_uri == (
        "http://127.0.0.1:5000"
    )


def test_model_and_linkage_sections_keep_their_field_types(tmp_path: Path):
    file = tmp_path / "c.toml"
    file.write_text("[model]\nvalidation_days = 5\nunlabeled_weight = 0.5\n[linkage]\nattach_kinds = 3\n")
    s = load_settings(file=file, env={})
    assert s.model.validation_days == 5 and isinstance(s.model.validation_days, int)
    assert s.model.unlabeled_weight == 0.5 and s.model.max_legitimate_flag_share == 0.003
    assert s.linkage.attach_kinds == 3 and s.linkage.narrow_accounts == 20


def test_unknown_field_of_a_section_is_an_error_not_ignored(tmp_path: Path):
    file = tmp_path / "c.toml"
    file.write_text("[model]\nmax_unlabeled_share = 0.003\n")
    with pytest.raises(ValueError, match="max_unlabeled_share"):
        load_settings(file=file, env={})


def test_nested_sections_cast_like_top_level_and_refuse_unknown_names(tmp_path: Path):
    file = tmp_path / "c.toml"
    file.write_text('[model]\ncampaign_conviction = "false"\nwarmup_days = "10"\n')
    model = load_settings(file=file, env={}).model
    assert model.campaign_conviction is False and model.warmup_days == 10
    file.write_text('[model]\ncampaign_convicton = true\n')
    with pytest.raises(ValueError, match="unknown setting 'campaign_convicton' in ModelSettings"):
        load_settings(file=file, env={})
