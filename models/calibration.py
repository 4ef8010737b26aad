"""Platt calibration: turns LightGBM's raw margin into a probability.

Platt (a logistic on the margin) rather than isotonic: two numbers fitted on a validation
slice that holds few verdicts, strictly increasing so it never reorders or ties accounts the
booster ranked apart (tiers and the gate keep the booster's ranking), and stored as JSON.
Unlabeled rows count as negatives here, so a score is the probability of a distillation
verdict as known at the cutoff: a conservative reading of "takes part in distillation".
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import numpy as np
from scipy.special import expit, logit


@dataclass(frozen=True)
class Calibrator:
    slope: float
    intercept: float
    method: str = "platt"

    def __call__(self, margin: np.ndarray) -> np.ndarray:
        return expit(self.slope * np.asarray(margin, dtype=np.float64) + self.intercept)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Calibrator":
        return cls(**json.loads(text))


def fit_platt(margin: np.ndarray, label: np.ndarray) -> Calibrator:
    """Fit on the validation slice. A model whose margin does not rise with the label (a
    broken model) gets a flat calibration at the base rate instead of an inverted one."""
    from sklearn.linear_model import LogisticRegression

    margin = np.asarray(margin, dtype=np.float64).reshape(-1, 1)
    base_rate = float(np.clip(np.mean(label), 1e-6, 1 - 1e-6))
    fit = LogisticRegression(C=1e6, max_iter=1000).fit(margin, label)
    slope = float(fit.coef_[0, 0])
    if slope <= 0:
        return Calibrator(0.0, float(logit(base_rate)))
    return Calibrator(slope, float(fit.intercept_[0]))
