"""Ranking and calibration figures, the same for the MLflow run and the promotion gate.

Two populations, on purpose. PR-AUC, ROC-AUC, precision at k and Brier use every row, the
unlabeled as negatives: a conservative ranking of the whole population. Recall at a
precision uses only investigated rows (a distillation or a benign verdict), the same
population the tier thresholds are chosen on: near the top of the ranking, most unlabeled
rows are distillers nobody has judged yet, and counting them as false flags would make
every high precision unreachable whatever the model.

Verdicts are sometimes wrong: a precision target means the true precision, see
`models.tiers.measured_precision_needed`.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, precision_recall_curve, roc_auc_score

from models.tiers import VERDICT_ERROR_RATE, measured_precision_needed


def recall_at_precision(
    label: np.ndarray, score: np.ndarray, precision: float, verdict_error_rate: float = VERDICT_ERROR_RATE
) -> float:
    """Largest recall of any threshold whose (true) precision reaches `precision` (0 if none)."""
    if label.sum() == 0:
        return 0.0
    prec, rec, _ = precision_recall_curve(label, score)
    reached = rec[prec >= measured_precision_needed(precision, verdict_error_rate)]
    return float(reached.max()) if reached.size else 0.0


def precision_at_k(label: np.ndarray, score: np.ndarray, k: int) -> float:
    """Precision of the k highest scores (ties broken by position, stable)."""
    top = np.argsort(-score, kind="stable")[:k]
    return float(label[top].mean()) if top.size else 0.0


def evaluate(
    label: np.ndarray, score: np.ndarray, investigated: np.ndarray, k: int = 100,
    verdict_error_rate: float = VERDICT_ERROR_RATE,
) -> dict[str, float]:
    """PR-AUC, ROC-AUC, precision at k, Brier (all rows); recall at precision .99/.95
    (investigated rows)."""
    label = np.asarray(label, dtype=np.int8)
    score = np.asarray(score, dtype=np.float64)
    investigated = np.asarray(investigated, dtype=bool)
    both = 0 < label.sum() < label.size
    return {
        "pr_auc": float(average_precision_score(label, score)) if both else float("nan"),
        "roc_auc": float(roc_auc_score(label, score)) if both else float("nan"),
        "recall_at_p99": recall_at_precision(label[investigated], score[investigated], 0.99, verdict_error_rate),
        "recall_at_p95": recall_at_precision(label[investigated], score[investigated], 0.95, verdict_error_rate),
        f"precision_at_{k}": precision_at_k(label, score, k),
        "brier": float(brier_score_loss(label, score)),
    }
