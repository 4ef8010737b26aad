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
class ModelSettings:
    """How the risk model learns from verdicts and where its thresholds sit (`models/`)."""

    # Validation: the last `validation_days` feature days (fewer while history is short) of
    # a fixed `validation_share` of accounts, held out by account hash.
    validation_days: int = 7
    validation_share: float = 0.3
    # Positive-unlabeled: never-judged rows are negatives at this weight; benign verdicts
    # (the investigated look-alikes) at `benign_weight`.
    unlabeled_weight: float = 0.2
    benign_weight: float = 1.0
    # A never-judged member of a convicted campaign (this many distillation verdicts among
    # its members, at least this share of its judged ones) is learnt as a distiller at
    # `campaign_weight` (`models.training_set.convicted_by_campaign`). Off by default: on the
    # demo world, even with the cleaner campaigns of the synchronized-minute rule
    # (`features.campaigns.DEFAULT_RULES`), it lifts recall at verify+ from 44 % to 95 % but
    # flags 2.4 % of legitimate accounts, a third of app backends and corporate accounts
    # (benchmarks/RESULTS.md). Turn it on only once a campaign's verdicts can speak for
    # all its members.
    campaign_conviction: bool = False
    # The same convictions, for `verify` alone and without the model learning from them:
    # its threshold may sink into a convicted campaign's never-judged members, and every
    # flag still needs the account's own evidence (`models.tiers.cap_campaign_only`). On
    # three of six demo worlds the strict bound opened no tier at all. Only once the
    # validation slice spans `verify_convictions_min_days` days: the first models' one-day
    # slices sank `verify` to scores of 0.04-0.06. Over eight demo worlds
    # (benchmarks/RESULTS.md): at 7, recall 0.38 on average with 5 customers flagged in
    # all; at 1, recall 0.71 with 123, and three worlds break the 1 % per-archetype goal.
    verify_counts_convictions: bool = True
    verify_convictions_min_days: int = 7
    campaign_min_verdicts: int = 3
    campaign_verdict_share: float = 0.9
    campaign_weight: float = 0.5
    # Share of verdicts that are wrong, both ways (trust and safety measures it from appeals).
    verdict_error_rate: float = 0.05
    # The product's promise: at most this share of legitimate accounts flagged at verify or
    # above; on validation a bound counting never-judged accounts outside convicted
    # campaigns as legitimate (`models.tiers.legitimate_weight`).
    max_legitimate_flag_share: float = 0.003
    # A tier needs this many distillation verdicts caught on the validation slice.
    min_true_positives: int = 3
    # Retrain daily (not weekly) while fewer feature days exist: the 7-day windows and the
    # validation slice are still filling up, so a model trained on day 2's short windows
    # would score day 6's longer ones out of its depth.
    warmup_days: int = 14


@dataclass(frozen=True)
class LinkageSettings:
    """When shared traces link accounts into campaigns (`features.campaigns`)."""

    # Keys of at most this many holders are judged pair by pair; wider ones by the lift test.
    narrow_accounts: int = 20
    min_lift: float = 5.0
    min_co_holders: int = 5
    # A lone account joins a campaign whose traces (keys mostly held by its members: at
    # least `trace_share` of their holders) it holds of `attach_kinds` kinds. On demo day
    # 2026-03-05, 0.5 attached ~445 customers to the hydras, 0.8 about 10.
    attach_kinds: int = 2
    trace_share: float = 0.8


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
    model: ModelSettings = field(default_factory=ModelSettings)
    linkage: LinkageSettings = field(default_factory=LinkageSettings)
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


_NESTED = {"tiers": TierTargets, "gate": GateSettings, "model": ModelSettings,
           "linkage": LinkageSettings}


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        if value.strip().lower() not in ("true", "false", "1", "0", "yes", "no"):
            raise ValueError(f"not a true/false setting: {value!r}")
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


# How file or environment text becomes each declared field type.
_CASTS = {"Path": Path, "int": int, "float": float, "bool": _flag, "str": str}


def _cast_fields(kind: type, values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` cast to the field types of the dataclass `kind`; an unknown name is an error."""
    types = {f.name: f.type for f in dataclasses.fields(kind)}
    unknown = sorted(set(values) - set(types))
    if unknown:
        names = ", ".join(repr(u) for u in unknown)
        raise ValueError(f"unknown setting {names} in {kind.__name__}; known: {sorted(types)}")
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key in _NESTED and kind is Settings:
            value = value if isinstance(value, _NESTED[key]) else _NESTED[key](**_cast_fields(_NESTED[key], value))
        elif types[key] in _CASTS:
            value = _CASTS[types[key]](value)
        out[key] = value
    return out


def _coerce(values: Mapping[str, Any]) -> dict[str, Any]:
    """Turn file/env text into the field types of `Settings`."""
    return _cast_fields(Settings, values)


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
