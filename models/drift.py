"""Population stability index: how far a day's distribution moved from a reference.

Pure and small, so Dagster's drift checks (`pipelines/checks.py`) and any notebook compute
it the same way. Bins are the reference's quantiles, so a score mass piled near zero still
gets resolution where it matters; empty bins are floored at `eps` so the log stays finite.
"""

from __future__ import annotations

import numpy as np


def psi(reference, current, bins: int = 10, eps: float = 1e-4) -> float:
    """PSI of `current` against `reference` (NaNs dropped); NaN if either is empty.

    Rule of thumb: < 0.1 stable, 0.1–0.25 moved, > 0.25 a different population.
    """
    ref = np.asarray(reference, dtype=float)
    cur = np.asarray(current, dtype=float)
    ref, cur = ref[~np.isnan(ref)], cur[~np.isnan(cur)]
    if not len(ref) or not len(cur):
        return float("nan")
    # Bins (-inf, q0], (q0, q1], …, (qk, inf): a constant reference still gets two bins.
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)))
    expected = _shares(ref, edges, eps)
    actual = _shares(cur, edges, eps)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def _shares(values: np.ndarray, edges: np.ndarray, eps: float) -> np.ndarray:
    counts = np.bincount(np.searchsorted(edges, values, side="left"), minlength=len(edges) + 1)
    return np.clip(counts / len(values), eps, None)
