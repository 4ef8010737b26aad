"""Model stage: the point-in-time training set at cutoff T, and the LightGBM model trained
on it, registered in MLflow as `challenger` and promoted by the gate.

Partitioned by the daily key T (the cutoff) and run weekly (and on demand) in the same run
as day T's features and before its scoring: the registry's `champion_as_of(D)` takes the
latest promoted cutoff ≤ D, so day T is scored by a model that knew day T's verdicts.
"""

import datetime as dt
import json
import shutil

import dagster as dg
import pandas as pd
from mlflow import MlflowClient

from models.registry import champion_as_of, promote_if_better, register
from models.train import train
from models.training_set import TrainingSet, build_training_set
from pipelines.features import account_features
from pipelines.ingest import labels
from pipelines.io import history_paths, read_frame, write_json, write_table
from pipelines.metadata import mlflow_run_url, model_version_url
from pipelines.partitions import DAILY, partition_day
from pipelines.resources import SettingsResource

GROUP = "model"
RETRY = dg.RetryPolicy(max_retries=1)


def _outcome_path(settings, cutoff: dt.date):
    return settings.warehouse_day("model_outcome", cutoff) / "outcome.json"


def _record_outcome(settings, cutoff: dt.date, trained: bool, reason: str) -> dict:
    """Keep what the model stage concluded at `cutoff`: why a day without a champion is withheld."""
    outcome = {"cutoff": cutoff.isoformat(), "trained": trained, "reason": reason}
    path = _outcome_path(settings, cutoff)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(outcome, path)
    return outcome


def no_champion_reason(settings, day: dt.date) -> str:
    """Why day D has no champion: the model stage's latest outcome at a cutoff ≤ D."""
    outcomes = sorted(settings.warehouse.glob("model_outcome/date=*/outcome.json"))
    known = [json.loads(p.read_text()) for p in outcomes if p.parent.name.removeprefix("date=") <= day.isoformat()]
    if not known:
        return f"no champion model as of {day}: no model trained yet"
    return f"no champion model as of {day}: {known[-1]['reason']}"


def in_warmup(settings, day: dt.date) -> bool:
    """Whether fewer than `settings.model.warmup_days` feature days exist with D's."""
    earlier = [p for p in settings.warehouse.glob("features/date=*") if p.name.removeprefix("date=") < day.isoformat()]
    return len(earlier) + 1 < settings.model.warmup_days


def retrains_on(settings, day: dt.date) -> bool:
    """Whether day D's run retrains before scoring: every day during the warm-up and while
    there is no champion; after it, on the weekly cutoff only (`pipelines.jobs`)."""
    return in_warmup(settings, day) or champion_as_of(day, settings) is None


@dg.asset(group_name=GROUP, partitions_def=DAILY, deps=[account_features, labels], kinds={"parquet"})
def training_set(context: dg.AssetExecutionContext, distillguard: SettingsResource) -> dg.MaterializeResult:
    """Feature rows of days ≤ T labelled with verdicts decided by T. Early on there is none
    (too few feature days, or fewer than `min_positive_labels` distillation verdicts): the
    materialization then says why, and `risk_model` trains nothing."""
    settings = distillguard.get()
    cutoff = partition_day(context)
    folder = settings.warehouse_day("training_set", cutoff)
    shutil.rmtree(folder, ignore_errors=True)
    features = pd.concat(map(pd.read_parquet, history_paths(settings, "features", cutoff)), ignore_index=True)
    model = settings.model
    try:
        built = build_training_set(
            features, read_frame(settings.warehouse / "labels"), cutoff,
            validation_days=model.validation_days, validation_share=model.validation_share,
            unlabeled_weight=model.unlabeled_weight, benign_weight=model.benign_weight,
            campaign_min_verdicts=model.campaign_min_verdicts if model.campaign_conviction else None,
            campaign_verdict_share=model.campaign_verdict_share, campaign_weight=model.campaign_weight,
        )
    except ValueError as error:  # too few feature days for a validation slice
        return dg.MaterializeResult(metadata=_record_outcome(settings, cutoff, False, str(error)))
    positives = int(built.rows.loc[built.rows["label"] == 1, "account_id"].nunique())
    if positives < settings.min_positive_labels:
        reason = (f"{positives} active accounts with a distillation verdict decided by {cutoff}, "
                  f"need {settings.min_positive_labels}")
        return dg.MaterializeResult(metadata=_record_outcome(settings, cutoff, False, reason))
    write_table(built.rows, folder)
    summary = built.summary()
    write_json({**summary, "feature_names": built.feature_names}, folder / "_summary.json")
    return dg.MaterializeResult(metadata={
        "built": True, "rows": len(built.rows), "positive_accounts": positives,
        "summary": dg.MetadataValue.json(summary),
    })


def load_training_set(settings, cutoff) -> TrainingSet:
    folder = settings.warehouse_day("training_set", cutoff)
    summary = json.loads((folder / "_summary.json").read_text())
    return TrainingSet(
        cutoff=cutoff,
        rows=read_frame(folder),
        validation_start=dt.date.fromisoformat(summary["validation_start"]),
        feature_names=tuple(summary["feature_names"]),
    )


def _experiment_of(settings, run_id: str) -> str:
    return MlflowClient(tracking_uri=settings.tracking_uri).get_run(run_id).info.experiment_id


@dg.asset(group_name=GROUP, partitions_def=DAILY, deps=[training_set], kinds={"lightgbm", "mlflow"}, retry_policy=RETRY)
def risk_model(context: dg.AssetExecutionContext, distillguard: SettingsResource) -> dg.MaterializeResult:
    """Train at cutoff T, register the challenger, and let the gate decide on champion.
    Without a training set at T nothing is trained, and the materialization says so."""
    settings = distillguard.get()
    cutoff = partition_day(context)
    if not (settings.warehouse_day("training_set", cutoff) / "_summary.json").exists():
        return dg.MaterializeResult(metadata={"trained": False, "reason": f"no training set at cutoff {cutoff}"})
    try:
        trained = train(load_training_set(settings, cutoff), settings)
    except ValueError as error:  # no distillation verdict in the training days or the validation slice
        return dg.MaterializeResult(metadata=_record_outcome(settings, cutoff, False, str(error)))
    version = register(trained, settings, cutoff)
    decision = promote_if_better(version, trained.training_set.validation, settings)
    _record_outcome(settings, cutoff, True, f"version {version.version} trained at cutoff {cutoff}, "
                    f"gate: {decision.reason}")
    return dg.MaterializeResult(metadata={
        "trained": True,
        "model_version": version.version,
        "promoted": decision.promoted,
        "gate_reason": decision.reason,
        "holdout_challenger": dg.MetadataValue.json(decision.challenger),
        "holdout_champion": dg.MetadataValue.json(decision.champion or {}),
        "mlflow_run": mlflow_run_url(_experiment_of(settings, version.run_id), version.run_id),
        "mlflow_model": model_version_url(version.name, version.version),
        **{f"validation_{k}": float(v) for k, v in trained.metrics.items()},
    })
