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


def drift(settings: Settings, table: str, day: dt.date, columns: list[str]) -> dg.AssetCheckResult:
    """Worst PSI over `columns` of day D against the trailing days before it."""
    reference_paths = day_paths(settings, table, days_back(day - dt.timedelta(days=1), DRIFT_REFERENCE_DAYS))
    current_folder = settings.warehouse_day(table, day)
    if not reference_paths or not current_folder.exists():
        return dg.AssetCheckResult(passed=True, description="no reference days yet (or nothing scored)")
    reference = pd.concat([pd.read_parquet(p, columns=columns) for p in reference_paths], ignore_index=True)
    current = read_frame(current_folder)[columns]
    values = {c: psi(reference[c], current[c]) for c in columns}
    ranked = sorted(((v, c) for c, v in values.items() if not np.isnan(v)), reverse=True)
    worst = ranked[0][0] if ranked else 0.0
    severity = dg.AssetCheckSeverity.ERROR if worst >= settings.psi_fail else dg.AssetCheckSeverity.WARN
    return dg.AssetCheckResult(
        passed=worst < settings.psi_warn,
        severity=severity,
        description=f"worst PSI {worst:.3f} ({ranked[0][1] if ranked else '-'}) vs the {len(reference_paths)} days before",
        metadata={
            "worst_psi": worst,
            "psi_by_column": counts_md({c: f"{v:.3f}" for v, c in ranked[:10]}, "column", "PSI"),
            "reference_days": len(reference_paths),
        },
    )


@dg.asset_check(asset=account_features)
def feature_drift(context: dg.AssetCheckExecutionContext, distillguard: SettingsResource) -> dg.AssetCheckResult:
    """PSI of every model feature against the trailing 7 days."""
    return drift(distillguard.get(), "features", partition_day(context), model_feature_names())


@dg.asset_check(asset=account_scores_day)
def score_drift(context: dg.AssetCheckExecutionContext, distillguard: SettingsResource) -> dg.AssetCheckResult:
    """PSI of the risk-score distribution against the trailing 7 days."""
    return drift(distillguard.get(), "scores", partition_day(context), ["risk_score"])


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
