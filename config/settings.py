"""The one settings object: paths, secrets, thresholds, thread counts.

Read once, from defaults < a TOML file < `DISTILLGUARD_*` environment variables < explicit
overrides, then passed down. No other module reads the environment: that keeps every run
reproducible from what it was handed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Where the demo keeps its world, outputs and Dagster history (git-ignored).
VAR_ROOT = PROJECT_ROOT / "var"
DEFAULT_HASH_SECRET = "distillguard-dev-secret"  # fine for simulated worlds only


@dataclass(frozen=True)
class TierTargets:
    """Minimum precision each tier must reach on the validation slice (issue 4)."""

    suspend_review: float = 0.99
    throttle: float = 0.97
    verify: float = 0.95
    # `monitor` is a capacity, not a precision: the top share of active accounts a day.
    monitor_capacity: float = 0.01


@dataclass(frozen=True)
class GateSettings:
    """A challenger replaces the champion only if no worse than this on the same holdout."""

    pr_auc_tolerance: float = 0.005
    min_recall_at_p99_delta: float = 0.0


@dataclass(frozen=True)
class Settings:
    raw_root: Path = VAR_ROOT / "demo" / "raw"
    out_root: Path = VAR_ROOT / "demo" / "out"
    dagster_home: Path = VAR_ROOT / "dagster_home"
    # Empty means: a SQLite store beside the outputs it explains (see `tracking_uri`).
    mlflow_tracking_uri: str = ""
    registered_model_name: str = "distillguard-risk"
    # Key of the keyed hashes that stand in for addresses after ingest.
    hash_secret: str = DEFAULT_HASH_SECRET
    engine: str = "duckdb"  # or "pyspark"
    threads: int = 2
    duckdb_memory_limit: str = "4GB"
    quarantine_max_share: float = 0.01
    retrain_every_days: int = 7
    min_positive_labels: int = 20
    tiers: TierTargets = field(default_factory=TierTargets)
    gate: GateSettings = field(default_factory=GateSettings)
    psi_warn: float = 0.1
    psi_fail: float = 0.25
    seed: int = 7

    # ---- derived locations -------------------------------------------------------------
    @property
    def tracking_uri(self) -> str:
        if self.mlflow_tracking_uri:
            return self.mlflow_tracking_uri
        return f"sqlite:///{(self.out_root / 'mlflow' / 'mlflow.db').resolve()}"

    @property
    def mlflow_artifact_root(self) -> Path:
        return self.out_root / "mlflow" / "artifacts"

    @property
    def warehouse(self) -> Path:
        """Intermediate per-day tables (pseudonymized: no address in clear)."""
        return self.out_root / "warehouse"

    @property
    def published(self) -> Path:
        return self.out_root / "published"

    @property
    def reports(self) -> Path:
        return self.out_root / "reports"

    @property
    def mirror_path(self) -> Path:
        """DuckDB database the enforcement system opens read-only."""
        return self.out_root / "distillguard.duckdb"

    def warehouse_day(self, table: str, day: dt.date) -> Path:
        return self.warehouse / table / f"date={day.isoformat()}"

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **_coerce(changes))


_NESTED = {"tiers": TierTargets, "gate": GateSettings}


def _coerce(values: Mapping[str, Any]) -> dict[str, Any]:
    """Turn file/env text into the field types of `Settings`."""
    types = {f.name: f.type for f in dataclasses.fields(Settings)}
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key not in types:
            raise ValueError(f"unknown setting {key!r}; known: {sorted(types)}")
        if key in _NESTED and isinstance(value, Mapping):
            value = _NESTED[key](**{k: float(v) for k, v in value.items()})
        elif types[key] == "Path":
            value = Path(value)
        elif types[key] in ("int", "float"):
            value = {"int": int, "float": float}[types[key]](value)
        out[key] = value
    return out


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(Settings)} - set(_NESTED)
    return {
        name: env[f"DISTILLGUARD_{name.upper()}"]
        for name in names
        if f"DISTILLGUARD_{name.upper()}" in env
    }


def load_settings(
    file: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Defaults < TOML file (`file` or $DISTILLGUARD_CONFIG) < environment < overrides."""
    env = os.environ if env is None else env
    file = file or env.get("DISTILLGUARD_CONFIG")
    values: dict[str, Any] = {}
    if file:
        values.update(tomllib.loads(Path(file).read_text()))
    values.update(_from_env(env))
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**_coerce(values))
