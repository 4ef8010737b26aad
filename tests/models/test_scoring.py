"""Scores, tiers and reasons as the enforcement system reads them."""

from __future__ import annotations

import dataclasses

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from models.bundle import LoadedModel
from models.calibration import Calibrator
from models.registry import champion_as_of
from models.scoring import score_accounts
from models.tiers import TIERS, Thresholds, cap_campaign_only


@pytest.fixture(scope="module")
def champion(registry, day):
    settings, _ = registry
    return champion_as_of(day(27), settings)


def _accounts(model, **columns) -> pd.DataFrame:
    """Accounts that look typical in every feature except `columns` (one value per account)."""
    n = len(next(iter(columns.values())))
    base = {name: np.full(n, model.typical.get(name, 0.0)) for name in model.feature_names}
    return pd.DataFrame({"account_id": [f"a{i}" for i in range(n)], **base, **columns})


def test_reasons_say_what_a_distiller_does_in_words(champion):
    model = dataclasses.replace(champion, typical={**champion.typical, "cot_share_7d": 0.04})
    scores = score_accounts(model, _accounts(model, cot_share_7d=[0.71, 0.10],
                                             single_turn_share_7d=[0.90, 0.20]))
    distiller, legit = scores.iloc[0], scores.iloc[1]
    assert TIERS.index(distiller.risk_tier) >= TIERS.index("verify")
    texts = [r["text"] for r in distiller.reasons]
    assert "71 % of requests ask for step-by-step reasoning (typical: 4 %)" in texts
    assert any(t.startswith("90 % of requests are single-turn (typical: ") for t in texts)
    assert legit.risk_tier == "none" and legit.reasons == []


def test_reasons_are_the_top_positive_contributions_largest_first(champion, world, day):
    features, _ = world
    rows = features[features["feature_date"] == day(27)]
    scores = score_accounts(champion, rows)
    contrib = champion.booster.predict(rows[champion.feature_names].to_numpy(), pred_contrib=True)[:, :-1]
    for i, (tier, reasons) in enumerate(zip(scores["risk_tier"], scores["reasons"])):
        if tier == "none":
            assert reasons == []
            continue
        assert 1 <= len(reasons) <= 3
        got = [r["contribution"] for r in reasons]
        assert got == sorted(got, reverse=True) and min(got) > 0
        assert got[0] == pytest.approx(contrib[i].max())
    assert (scores["risk_tier"] != "none").any()


def test_scores_are_calibrated_probabilities_of_the_booster(champion, world, day):
    features, _ = world
    rows = features[features["feature_date"] == day(27)]
    scores = score_accounts(champion, rows)
    margin = champion.booster.predict(rows[champion.feature_names].to_numpy(), raw_score=True)
    np.testing.assert_allclose(scores["risk_score"], champion.calibrator(margin), rtol=1e-9)
    assert scores["risk_score"].between(0, 1).all()
    assert list(scores["account_id"]) == list(rows["account_id"])
    pd.testing.assert_frame_equal(scores, score_accounts(champion, rows))


def test_an_account_only_its_campaign_accuses_is_not_flagged_but_watched():
    tiers = np.array(["suspend_review", "throttle", "suspend_review", "suspend_review", "verify",
                      "verify", "monitor", "none"], object)
    own = np.array([0.099, -0.2, 0.1, 0.5, -1.0, 0.3, -1.0, 0.0])
    campaign = np.array([1.0, 1.0, 1.0, -0.3, 1.0, 1.0, 1.0, 1.0])  # the 4th: its campaign lowers it
    assert list(cap_campaign_only(tiers, own, campaign)) == [
        "monitor", "monitor", "suspend_review", "suspend_review", "monitor", "verify", "monitor", "none"]


def test_scoring_caps_whom_the_campaign_features_alone_push_over_the_line():
    # A booster where a big campaign makes a distiller likely and chain-of-thought makes it
    # likelier: both accounts sit in the big campaign and score above every threshold, but
    # only the one asking for step-by-step reasoning has evidence of its own.
    rng = np.random.default_rng(5)
    n = 2_000
    size = rng.choice([1.0, 900.0], n)
    cot = rng.uniform(0, 1, n)
    label = rng.random(n) < np.where(size > 1, np.where(cot > 0.5, 0.99, 0.7), 0.02)
    names = ["campaign_size", "cot_share_7d"]
    booster = lgb.train({"objective": "binary", "verbose": -1, "num_threads": 1, "min_data_in_leaf": 20},
                        lgb.Dataset(np.c_[size, cot], label.astype(int), feature_name=names), 30)
    model = LoadedModel(booster, Calibrator(1.0, 0.0),
                        Thresholds({"monitor": 0.1, "verify": 0.2, "throttle": 0.3, "suspend_review": 0.4}),
                        names, {}, "test", "1")
    accounts = pd.DataFrame({"account_id": ["own", "campaign_only"], "campaign_size": [900.0, 900.0],
                             "cot_share_7d": [0.9, 0.05]})
    scores = score_accounts(model, accounts).set_index("account_id")
    assert (scores.risk_score > 0.4).all()
    assert scores.risk_tier.to_dict() == {"own": "suspend_review", "campaign_only": "monitor"}
    assert [r["feature"] for r in scores.reasons["campaign_only"]] == ["campaign_size"]
