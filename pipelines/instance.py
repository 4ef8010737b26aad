"""The persistent Dagster instance in the project's `DAGSTER_HOME`, so run history survives.

`dagster.yaml` caps the machine's load: one run at a time (the daemon's queue), and run
retries on. Inside a run the in-process executor (see `definitions`) runs one step at a
time, so DuckDB's and LightGBM's own threads (`Settings.threads`) are all the CPU used.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from config import Settings

DAGSTER_YAML = """\
# Written by distillguard (pipelines/instance.py). One run at a time: the machine has two
# cores and each run's DuckDB and LightGBM already use them.
concurrency:
  runs:
    max_concurrent_runs: 1
run_retries:
  enabled: true
  max_retries: 2
  # A failed blocking data check will fail again; retry only crashed run workers, and
  # leave transient step errors to the assets' RetryPolicy.
  retry_on_asset_or_op_failure: false
telemetry:
  enabled: false
"""


def ensure_home(settings: Settings) -> Path:
    """`settings.dagster_home`, created with our dagster.yaml if it has none."""
    home = settings.dagster_home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML)
    return home


def get_instance(settings: Settings) -> dg.DagsterInstance:
    return dg.DagsterInstance.from_config(str(ensure_home(settings)))
