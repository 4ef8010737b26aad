"""MLflow: one run per training, a registered version per model, aliases, the gate record.

Every version carries the tags scoring relies on: `cutoff` (the last day it learned from),
`sha256` (digest of each file it is scored from, checked before every load) and, once the
gate has spoken, `gate.*` figures and `promoted_at`. Alias `challenger` is the newest
version, `champion` the current one; `champion_as_of` answers for any past day, so a backfill
scores each day with the model that was champion then. MLflow is imported inside the
functions: it is slow to import and the scoring path must not pay for it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import subprocess
import tempfile
from pathlib import Path

import pandas as pd

from config.settings import PROJECT_ROOT
from models.bundle import MODEL_FILE, SIDE_FILES, LoadedModel, digests, load_bundle, write_side_files
from models.gate import GateDecision, decide, holdout_metrics

EXPERIMENT = "distillguard"
CHALLENGER, CHAMPION = "challenger", "champion"
# Version of the account-features table (docs/architecture.md) the model reads.
FEATURES_CONTRACT_VERSION = "account_features/1"


def _mlflow(settings):
    import mlflow
    from mlflow import MlflowClient

    if not settings.mlflow_tracking_uri:  # default SQLite store: its folder must exist
        (settings.out_root / "mlflow").mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(settings.tracking_uri)
    mlflow.set_registry_uri(settings.tracking_uri)
    return mlflow, MlflowClient(settings.tracking_uri, settings.tracking_uri)


def _experiment_id(client, settings) -> str:
    experiment = client.get_experiment_by_name(EXPERIMENT)
    if experiment is not None:
        return experiment.experiment_id
    root = settings.mlflow_artifact_root.resolve()
    root.mkdir(parents=True, exist_ok=True)
    return client.create_experiment(EXPERIMENT, artifact_location=root.as_uri())


def feature_list_hash(names: list[str]) -> str:
    return hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]


def code_version() -> str:
    """Git commit of the code that trained, `-dirty` if the checkout had changes."""
    try:
        out = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=40"],
                             cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=10, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _bundle_files(root: Path) -> dict[str, Path]:
    """Where MLflow's LightGBM flavour puts the booster and our extra files."""
    return {MODEL_FILE: root / MODEL_FILE, **{f: root / "extra_files" / f for f in SIDE_FILES}}


def _model_folder(mlflow, name: str, version: str) -> Path:
    return Path(mlflow.artifacts.download_artifacts(artifact_uri=f"models:/{name}/{version}"))


def register(trained, settings, cutoff: dt.date, contract_version: str = FEATURES_CONTRACT_VERSION):
    """Log the training run, register the model as a new version, alias it `challenger`."""
    import lightgbm as lgb
    from mlflow.models import infer_signature

    from models.plots import write_report

    if cutoff != trained.training_set.cutoff:  # the tag decides which days it may score
        raise ValueError(f"cutoff {cutoff} is not the training set's {trained.training_set.cutoff}")
    mlflow, client = _mlflow(settings)
    name = settings.registered_model_name
    summary = trained.training_set.summary()
    tags = {
        "cutoff": cutoff.isoformat(),
        "data_window": f"{summary['train']['first_day']}..{summary['validation']['last_day']}",
        "validation_start": summary["validation_start"],
        "feature_list_hash": feature_list_hash(trained.feature_names),
        "contract_version": contract_version,
        "code_version": code_version(),
    }
    with mlflow.start_run(experiment_id=_experiment_id(client, settings),
                          run_name=f"cutoff-{cutoff.isoformat()}", tags=tags):
        mlflow.log_params(trained.params)
        mlflow.log_metrics({k: v for k, v in trained.metrics.items() if math.isfinite(v)})
        with tempfile.TemporaryDirectory() as tmp:
            write_report(trained, Path(tmp) / "report")
            mlflow.log_artifacts(str(Path(tmp) / "report"))
            example = trained.training_set.validation[trained.feature_names].head(5)
            info = mlflow.lightgbm.log_model(
                trained.booster,
                name="model",
                signature=infer_signature(example, trained.booster.predict(example.to_numpy())),
                input_example=example,
                extra_files=[str(p) for p in write_side_files(trained, Path(tmp) / "bundle")],
                pip_requirements=[f"lightgbm=={lgb.__version__}"],
                registered_model_name=name,
            )
    version = str(info.registered_model_version)
    recorded = digests(_bundle_files(_model_folder(mlflow, name, version)))
    version_tags = {**tags, "sha256": json.dumps(recorded, sort_keys=True)}
    for key, value in version_tags.items():
        client.set_model_version_tag(name, version, key, value)
    client.set_registered_model_alias(name, CHALLENGER, version)
    return client.get_model_version(name, version)


def load_version(settings, version: str) -> LoadedModel:
    """Load one registered version after checking every file against its recorded SHA-256."""
    mlflow, client = _mlflow(settings)
    name = settings.registered_model_name
    recorded = json.loads(client.get_model_version(name, str(version)).tags.get("sha256", "{}"))
    files = _bundle_files(_model_folder(mlflow, name, str(version)))
    return load_bundle(files, recorded, name, str(version), settings.threads)


def promote_if_better(version, holdout: pd.DataFrame, settings) -> GateDecision:
    """Gate `version` (a ModelVersion or its number) against the champion on `holdout`
    (feature columns, `label`, `verdict`: e.g. a TrainingSet's validation slice); record the decision and both sets of figures on it."""
    _, client = _mlflow(settings)
    name = settings.registered_model_name
    number = str(getattr(version, "version", version))
    error_rate = settings.model.verdict_error_rate
    challenger = holdout_metrics(load_version(settings, number), holdout, error_rate)
    champion_version = _alias(client, name, CHAMPION)
    champion = (holdout_metrics(load_version(settings, champion_version), holdout, error_rate)
                if champion_version else None)
    promoted, reason = decide(challenger, champion, settings.gate)
    decision = GateDecision(promoted, reason, number, champion_version, challenger, champion)
    tags = {
        "gate.decision": "promoted" if promoted else "refused",
        "gate.reason": reason,
        "gate.champion_version": champion_version or "none",
        "gate.holdout_rows": str(len(holdout)),
        **{f"gate.challenger.{k}": f"{v:.6f}" for k, v in challenger.items()},
        **{f"gate.champion.{k}": f"{v:.6f}" for k, v in (champion or {}).items()},
    }
    if promoted:
        tags["promoted_at"] = dt.datetime.now(dt.timezone.utc).isoformat()
    for key, value in tags.items():
        client.set_model_version_tag(name, number, key, value)
    if promoted:
        client.set_registered_model_alias(name, CHAMPION, number)
    return decision


def _alias(client, name: str, alias: str) -> str | None:
    from mlflow.exceptions import MlflowException

    try:
        return str(client.get_model_version_by_alias(name, alias).version)
    except MlflowException:  # no such alias, or no such registered model yet
        return None


def champion_as_of(day: dt.date, settings) -> LoadedModel | None:
    """The model that was champion for scoring `day`: the promoted version with the latest
    cutoff on or before `day` (ties: the later version). None if there was none."""
    _, client = _mlflow(settings)
    name = settings.registered_model_name
    promoted = [
        v for v in client.search_model_versions(f"name='{name}'")
        if "promoted_at" in v.tags and dt.date.fromisoformat(v.tags["cutoff"]) <= day
    ]
    if not promoted:
        return None
    chosen = max(promoted, key=lambda v: (v.tags["cutoff"], int(v.version)))
    return load_version(settings, chosen.version)
