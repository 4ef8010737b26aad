"""Daily scores: calibrated risk, tier and reasons per account, from a loaded model.

One `pred_contrib` pass gives both the score (a row's contributions sum to its raw margin)
and the reasons, so explaining costs little more than predicting with contributions.
Reasons are given to every account at `monitor` or above (top 3 positive contributions,
largest first); accounts below get an empty list, which is what nobody acts on. The same
contributions tell whether the account's own features, not just its campaign's, raise
its score: without enough of that, a flag falls back to `monitor`
(`models.tiers.cap_campaign_only`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.assemble import CAMPAIGN_FEATURES
from models.bundle import LoadedModel
from models.explain import top_reasons
from models.tiers import cap_campaign_only


@dataclass(frozen=True)
class Margins:
    """One `pred_contrib` pass over feature rows, and what the tiers are made of."""

    contrib: np.ndarray  # (rows, features + 1), the last column the bias
    score: np.ndarray  # calibrated
    own: np.ndarray  # margin from the account's own features
    campaign: np.ndarray  # margin from the features its campaign's members share
    score_tier: np.ndarray  # from the score thresholds alone
    tier: np.ndarray  # with `cap_campaign_only`: what is published


def margins(model: LoadedModel, values: np.ndarray) -> Margins:
    """Score, margins and tiers of `values` (rows × `model.feature_names`, float64)."""
    contrib = model.booster.predict(values, pred_contrib=True, num_threads=model.threads)
    score = model.calibrator(contrib.sum(axis=1))
    own, campaign = own_and_campaign_margins(contrib, model.feature_names)
    score_tier = model.thresholds.assign(score)
    return Margins(contrib, score, own, campaign, score_tier, cap_campaign_only(score_tier, own, campaign))


def score_accounts(model: LoadedModel, features: pd.DataFrame, top: int = 3) -> pd.DataFrame:
    """account_id, risk_score (float64), risk_tier (str), reasons (list of dicts)."""
    missing = sorted(set(model.feature_names) - set(features.columns))
    if missing:
        raise ValueError(f"{model.name} v{model.version} needs features the table lacks: {missing}")
    values = features[model.feature_names].to_numpy(np.float64)
    m = margins(model, values)
    reasons: list[list[dict]] = [[] for _ in range(len(features))]
    explained = np.flatnonzero(m.tier != "none")  # monitor and above
    found = top_reasons(m.contrib, values, model.feature_names, model.typical, explained, top)
    for row, row_reasons in zip(explained.tolist(), found):
        reasons[row] = row_reasons
    return pd.DataFrame({
        "account_id": features["account_id"].to_numpy(),
        "risk_score": m.score,
        "risk_tier": m.tier.astype(str),
        "reasons": reasons,
    })


def own_and_campaign_margins(contrib: np.ndarray, feature_names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per row of `pred_contrib` output (last column the bias): the sum of its contributions
    over the account's own features, and over the campaign features its members share."""
    by_feature = contrib[:, : len(feature_names)]
    campaign = np.isin(feature_names, CAMPAIGN_FEATURES)
    return by_feature[:, ~campaign].sum(axis=1), by_feature[:, campaign].sum(axis=1)
