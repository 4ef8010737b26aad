"""The promotion gate: a challenger replaces the champion only if no worse on one holdout.

Both models are scored on the same rows, so the comparison says something about the models
and not about two different slices of time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.bundle import LoadedModel
from models.metrics import evaluate
from models.training_set import UNLABELED


@dataclass(frozen=True)
class GateDecision:
    promoted: bool
    reason: str
    challenger_version: str
    champion_version: str | None  # the champion it was compared with, None if there was none
    challenger: dict[str, float]
    champion: dict[str, float] | None


def holdout_metrics(model: LoadedModel, holdout: pd.DataFrame, verdict_error_rate: float) -> dict[str, float]:
    """Figures of `model` on `holdout` (feature columns, `label`, `verdict`), calibrated."""
    values = holdout[model.feature_names].to_numpy(np.float64)
    margin = model.booster.predict(values, raw_score=True, num_threads=model.threads)
    investigated = (holdout["verdict"] != UNLABELED).to_numpy()
    return evaluate(holdout["label"].to_numpy(), model.calibrator(margin), investigated,
                    verdict_error_rate=verdict_error_rate)


def decide(challenger: dict[str, float], champion: dict[str, float] | None, gate) -> tuple[bool, str]:
    """(promote?, why) under `gate` (a `config.settings.GateSettings`)."""
    if math.isnan(challenger["pr_auc"]):
        return False, "holdout has no distillation verdict (or nothing else): cannot judge"
    if champion is None:
        return True, "no champion yet"
    pr_floor = champion["pr_auc"] - gate.pr_auc_tolerance
    recall_floor = champion["recall_at_p99"] + gate.min_recall_at_p99_delta
    if challenger["pr_auc"] < pr_floor:
        return False, f"PR-AUC {challenger['pr_auc']:.4f} below champion's floor {pr_floor:.4f}"
    if challenger["recall_at_p99"] < recall_floor:
        return False, (f"recall at precision 0.99 {challenger['recall_at_p99']:.4f} below "
                       f"champion's {recall_floor:.4f}")
    return True, "at least as good as the champion on the holdout"
