"""The project's DAGSTER_HOME is created with a dagster.yaml that caps the machine's load."""

from __future__ import annotations

from pipelines.instance import get_instance


def test_one_run_at_a_time_and_retries_for_crashed_runs(settings):
    instance = get_instance(settings)
    assert (settings.dagster_home / "dagster.yaml").exists()
    assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
    assert instance.run_retries_enabled and instance.run_retries_max_retries == 2
    assert not instance.run_retries_retry_on_asset_or_op_failure


def test_an_existing_dagster_yaml_is_kept(settings):
    settings.dagster_home.mkdir(parents=True)
    (settings.dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    assert not get_instance(settings).run_retries_enabled
