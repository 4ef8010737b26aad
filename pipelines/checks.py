"""Asset checks: the Great Expectations contracts (blocking: a failed one stops the day
before anything is published), drift of features and scores against the trailing 7 days
(warn at `psi_warn`, error at `psi_fail`; never blocking, a shift is news, not a defect),
and that the published day has its status.
"""

import datetime as dt
import json

import dagster as dg
import numpy as np
import pandas as pd

from config import Settings
from data_contracts.runner import validate
from features.catalogue import model_feature_names
from models.drift import psi
from pipelines.features import account_features
from pipelines.ingest import usage_logs_day
from pipelines.io import day_paths, days_back, ingest_summary_path, read_frame
from pipelines.metadata import counts_md
from pipelines.partitions import partition_day
from pipelines.publish import published_day
from pipelines.resources import SettingsResource
from pipelines.scoring import account_scores_day
from publishing.status import read_status

DRIFT_REFERENCE_DAYS = 7
MIN_REFERENCE_DAYS = 3


def _contract(result) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=result.success,
        description=result.summary(),
        metadata={"rows": result.rows, "expectations": result.evaluated, "failed": len(result.failures)},
    )


@dg.asset_check(asset=usage_logs_day, blocking=True)
def usage_log_contract(context: dg.AssetCheckExecutionContext, distillguard: SettingsResource) -> dg.AssetCheckResult:
    """inputs.md's usage-log contract: no batch-level breach (day missing or empty, unreadable
    file, missing or retyped column, quarantine share above the limit). Row defects were
    quarantined by ingest, which ran the `usage_logs` suite on the raw rows."""
    summary = json.loads(ingest_summary_path(distillguard.get(), partition_day(context)).read_text())
    return dg.AssetCheckResult(
        passed=summary["ok"],
        description=summary["summary"],
        metadata={"counts": dg.MetadataValue.json(summary["counts"])},
    )


@dg.asset_check(asset=account_features, blocking=True)
def account_features_contract(context: dg.AssetCheckExecutionContext, distillguard: SettingsResource) -> dg.AssetCheckResult:
    """The feature table's suite: one row per active account, no stray nulls, ranges."""
    features = read_frame(distillguard.get().warehouse_day("features", partition_day(context)))
    return _contract(validate(features, "account_features"))


@dg.asset_check(asset=account_scores_day, blocking=True)
def account_scores_contract(context: dg.AssetCheckExecutionContext, distillguard: SettingsResource) -> dg.AssetCheckResult:
    """outputs.md's account_scores suite, on exactly the rows publishing will swap in."""
    folder = distillguard.get().warehouse_day("scores", partition_day(context))
    if not folder.exists():
        return dg.AssetCheckResult(passed=True, description="no champion: nothing to publish, the day is withheld")
    return _contract(validate(read_frame(folder), "account_scores"))


def drift(settings: Settings, table: str, day: dt.date, columns: list[str], reference: list[dt.date]) -> dg.AssetCheckResult:
    """Worst PSI over `columns` of day D against the `reference` days.

    With fewer than MIN_REFERENCE_DAYS comparable days the check passes and says it is
    warming up: a shift measured against one or two days is noise, not news."""
    current_folder = settings.warehouse_day(table, day)
    if not current_folder.exists():
        return dg.AssetCheckResult(passed=True, description="nothing scored on this day")
    if len(reference) < MIN_REFERENCE_DAYS:
        return dg.AssetCheckResult(
            passed=True,
            description=f"warming up: {len(reference)} comparable days before {day}, drift is measured from {MIN_REFERENCE_DAYS}",
            metadata={"reference_days": len(reference)},
        )
    reference_frame = pd.concat(
        [pd.read_parquet(p, columns=columns) for p in day_paths(settings, table, reference)], ignore_index=True
    )
    current = read_frame(current_folder)[columns]
    values = {c: psi(reference_frame[c], current[c]) for c in columns}
    ranked = sorted(((v, c) for c, v in values.items() if not np.isnan(v)), reverse=True)
    worst = ranked[0][0] if ranked else 0.0
    severity = dg.AssetCheckSeverity.ERROR if worst >= settings.psi_fail else dg.AssetCheckSeverity.WARN
    return dg.AssetCheckResult(
        passed=worst < settings.psi_warn,
        severity=severity,
        description=f"worst PSI {worst:.3f} ({ranked[0][1] if ranked else '-'}) vs the {len(reference)} days before",
        metadata={
            "worst_psi": worst,
            "psi_by_column": counts_md({c: f"{v:.3f}" for v, c in ranked[:10]}, "column", "PSI"),
            "reference_days": len(reference),
        },
    )


def _trailing(day: dt.date) -> list[dt.date]:
    return days_back(day - dt.timedelta(days=1), DRIFT_REFERENCE_DAYS)


def settled_feature_days(settings: Settings, day: dt.date) -> list[dt.date]:
    """Trailing days whose 7-day windows were full. While a window fills, a 7-day feature
    grows every day by construction; comparing such days would flag the calendar."""
    def settled(d: dt.date) -> bool:
        return len(day_paths(settings, "account_day", days_back(d, DRIFT_REFERENCE_DAYS))) == DRIFT_REFERENCE_DAYS

    if not settled(day):
        return []
    return [d for d in _trailing(day) if settled(d) and settings.warehouse_day("features", d).exists()]


def same_champion_days(settings: Settings, day: dt.date) -> list[dt.date]:
    """Trailing days scored by the same model version as D. A new champion is meant to move
    the scores; that change is recorded by the gate, not flagged as drift."""
    current = settings.warehouse_day("scores", day)
    if not current.exists():
        return []
    version = set(pd.read_parquet(current, columns=["model_version"])["model_version"])
    return [
        d
        for d in _trailing(day)
        if settings.warehouse_day("scores", d).exists()
        and set(pd.read_parquet(settings.warehouse_day("scores", d), columns=["model_version"])["model_version"]) == version
    ]


@dg.asset_check(asset=account_features)
def feature_drift(context: dg.AssetCheckExecutionContext, distillguard: SettingsResource) -> dg.AssetCheckResult:
    """PSI of every model feature against the trailing 7 days whose windows were full."""
    settings, day = distillguard.get(), partition_day(context)
    return drift(settings, "features", day, model_feature_names(), settled_feature_days(settings, day))


@dg.asset_check(asset=account_scores_day)
def score_drift(context: dg.AssetCheckExecutionContext, distillguard: SettingsResource) -> dg.AssetCheckResult:
    """PSI of the risk-score distribution against the trailing days of the same champion."""
    settings, day = distillguard.get(), partition_day(context)
    return drift(settings, "scores", day, ["risk_score"], same_champion_days(settings, day))


@dg.asset_check(asset=published_day)
def published_freshness(context: dg.AssetCheckExecutionContext, distillguard: SettingsResource) -> dg.AssetCheckResult:
    """Day D is published for enforcement; withheld (or never tried) is an error to look at."""
    day = partition_day(context)
    status = read_status(distillguard.get(), day)
    if status is None:
        return dg.AssetCheckResult(passed=False, description=f"{day} has no status: never tried")
    return dg.AssetCheckResult(
        passed=status["state"] == "published",
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{day} {status['state']}" + (f": {status['reason']}" if status.get("reason") else ""),
        metadata={"written_at": status.get("written_at", ""), "model_version": str(status.get("model_version", ""))},
    )


CHECKS = [
    usage_log_contract,
    account_features_contract,
    account_scores_contract,
    feature_drift,
    score_drift,
    published_freshness,
]
