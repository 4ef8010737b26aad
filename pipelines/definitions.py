"""The one `Definitions` of distillguard: `dagster dev -m pipelines.definitions`.

`build_defs(settings)` is what `distillguard run` executes with its own raw and output
roots; `defs` is the same graph on the settings of the environment, which `distillguard ui`
points at the same stores. Steps run in process, one at a time (see `instance.py`).
"""

from __future__ import annotations

import dagster as dg

from config import Settings, load_settings
from pipelines import features, ingest, linkage, model, publish, scoring
from pipelines.checks import CHECKS
from pipelines.jobs import build_jobs
from pipelines.resources import SettingsResource
from pipelines.schedules import build_schedules
from pipelines.sensors import build_sensors

ASSETS = [
    ingest.accounts,
    ingest.labels,
    ingest.usage_logs_day,
    features.account_day_aggregates,
    features.account_features,
    linkage.linkage_keys_day,
    linkage.campaigns,
    model.training_set,
    model.risk_model,
    scoring.account_scores_day,
    scoring.campaigns_day,
    publish.published_day,
]


def build_defs(settings: Settings) -> dg.Definitions:
    jobs = build_jobs(settings)
    return dg.Definitions(
        assets=ASSETS,
        asset_checks=CHECKS,
        jobs=list(jobs.values()),
        schedules=build_schedules(jobs),
        sensors=build_sensors(jobs),
        resources={"distillguard": SettingsResource.of(settings)},
        executor=dg.in_process_executor,
    )


defs = build_defs(load_settings())
