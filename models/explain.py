"""Reasons: the strongest SHAP contributions of a row, in words.

Contributions come from LightGBM's own TreeSHAP (`pred_contrib`), which scoring computes
anyway (the margin is their row sum), so a reason costs only a partial sort of the
contribution matrix plus text for the rows that get reasons. No `shap` import here.
"""

from __future__ import annotations

import numpy as np

from features.catalogue import feature


def top_reasons(
    contrib: np.ndarray,
    values: np.ndarray,
    feature_names: list[str],
    typical: dict[str, float],
    rows: np.ndarray,
    top: int = 3,
) -> list[list[dict]]:
    """For each index in `rows`: up to `top` features pushing the score up, largest first.

    `contrib` is `pred_contrib` output (last column the bias), `values` the feature matrix.
    Only positive contributions are reasons: a feature that lowers the risk does not explain
    a flag.
    """
    if rows.size == 0:
        return []
    k = min(top, len(feature_names))
    sub = contrib[rows, : len(feature_names)]
    best = np.argpartition(-sub, k - 1, axis=1)[:, :k]
    best_contrib = np.take_along_axis(sub, best, axis=1)
    order = np.argsort(-best_contrib, axis=1, kind="stable")
    best = np.take_along_axis(best, order, axis=1)
    best_contrib = np.take_along_axis(best_contrib, order, axis=1)
    best_value = values[rows[:, None], best]
    out = []
    for cols, contribs, vals in zip(best.tolist(), best_contrib.tolist(), best_value.tolist()):
        reasons = []
        for col, c, v in zip(cols, contribs, vals):
            if c <= 0:
                break
            name = feature_names[col]
            reasons.append({
                "feature": name,
                "value": v,
                "contribution": c,
                "text": feature(name).say(v, typical.get(name)),
            })
        out.append(reasons)
    return out
