"""Deterministic training, calibration, and tier thresholds chosen on the validation slice."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from config.settings import Settings, TierTargets
from models.tiers import TIERS, Thresholds, choose_thresholds, measured_precision_needed
from models.train import tier_thresholds, train
from models.training_set import UNLABELED, TrainingSet, build_training_set

SETTINGS = Settings(threads=1)


@pytest.fixture(scope="module")
def training_set(world, day):
    features, labels = world
    return build_training_set(features, labels, day(27))


@pytest.fixture(scope="module")
def trained(training_set):
    return train(training_set, SETTINGS)


def test_retraining_on_the_same_data_gives_identical_predictions(training_set, trained):
    again = train(training_set, SETTINGS)
    values = training_set.matrix(training_set.rows)
    assert again.booster.model_to_string() == trained.booster.model_to_string()
    np.testing.assert_array_equal(again.booster.predict(values), trained.booster.predict(values))
    assert again.thresholds == trained.thresholds and again.calibrator == trained.calibrator


def test_the_planted_signal_is_learned(trained):
    assert trained.metrics["recall_at_p95"] > 0.9
    assert trained.metrics["roc_auc"] > 0.9


def test_calibration_is_monotone_and_a_probability(trained):
    margin = np.linspace(-30, 30, 2001)
    p = trained.calibrator(margin)
    assert np.all((p >= 0) & (p <= 1))
    assert np.all(np.diff(p) >= 0) and p[-1] > p[0]


def test_thresholds_meet_target_precision_on_validation(training_set, trained):
    valid = training_set.validation
    tier = trained.thresholds.assign(trained.validation_score)
    investigated = (valid["verdict"] != UNLABELED).to_numpy()
    label = valid["label"].to_numpy()
    targets = SETTINGS.tiers
    reached = 0
    for name, target in [("verify", targets.verify), ("throttle", targets.throttle),
                         ("suspend_review", targets.suspend_review)]:
        at_or_above = np.isin(tier, TIERS[TIERS.index(name):]) & investigated
        if math.isinf(trained.thresholds.values[name]):
            assert not at_or_above.any()
            continue
        reached += 1
        assert label[at_or_above].mean() >= measured_precision_needed(target)
    assert reached  # the planted signal is strong enough to reach at least `verify`


def test_thresholds_are_ordered_and_round_trip_through_json(trained):
    ladder = [trained.thresholds.values[t] for t in TIERS[1:]]
    assert ladder == sorted(ladder)
    assert Thresholds.from_json(trained.thresholds.to_json()) == trained.thresholds


def test_unreachable_precision_puts_nobody_in_the_tier():
    # Verdicts interleaved so no threshold reaches 0.95 among investigated rows.
    score = np.linspace(1.0, 0.0, 40)
    label = np.tile([0, 1, 1, 1], 10)  # best precision: 0.75
    thresholds = choose_thresholds(score, label, np.ones(40, bool), TierTargets(0.99, 0.97, 0.95, 0.1))
    assert all(math.isinf(thresholds.values[t]) for t in ("verify", "throttle", "suspend_review"))
    assert set(thresholds.assign(score)) == {"none", "monitor"}


def test_threshold_never_sits_below_its_last_caught_verdict():
    # Top: 10 verdicts of distillation; below them only unlabeled and one benign verdict.
    score = np.linspace(1.0, 0.0, 50)
    label = np.r_[np.ones(10, int), np.zeros(40, int)]
    investigated = np.r_[np.ones(10, bool), np.zeros(40, bool)]
    investigated[30] = True  # a benign verdict far below
    thresholds = choose_thresholds(score, label, investigated, TierTargets())
    # 0.95 would tolerate the benign row, but lowering to it buys no recall.
    assert thresholds.values["verify"] == score[9]
    assert thresholds.report["verify"]["recall"] == 1.0


def test_too_few_verdicts_make_a_tier_unreachable():
    score = np.linspace(1.0, 0.0, 20)
    label = np.r_[np.ones(2, int), np.zeros(18, int)]
    thresholds = choose_thresholds(score, label, label.astype(bool), TierTargets(), min_true_positives=3)
    assert math.isinf(thresholds.values["verify"])


def test_wrong_verdicts_do_not_make_every_tier_unreachable():
    # A perfect ranking of 100 distillers over 100 legitimate accounts, but one distiller in
    # ten carries a (wrong) benign verdict: measured precision never exceeds 0.9.
    score = np.linspace(1.0, 0.0, 200)
    label = np.r_[np.where(np.arange(100) % 10 == 0, 0, 1), np.zeros(100, int)]
    investigated = np.ones(200, bool)
    literal = choose_thresholds(score, label, investigated, TierTargets(), verdict_error_rate=0.0)
    assert math.isinf(literal.values["verify"])
    noisy = choose_thresholds(score, label, investigated, TierTargets(), verdict_error_rate=0.06)
    assert noisy.values["verify"] == score[label == 1].min()
    assert noisy.report["verify"]["recall"] == 1.0


def test_verify_cannot_sink_into_never_judged_accounts():
    # Ten distillation verdicts on top, then 20 never-judged accounts outside any convicted
    # campaign, then ten more verdicts: reaching those would flag 2 % of the presumed
    # legitimate rows.
    score = np.linspace(1.0, 0.0, 1040)
    investigated = np.r_[np.ones(10, bool), np.zeros(20, bool), np.ones(10, bool), np.zeros(1000, bool)]
    label = investigated.astype(int)
    lenient = TierTargets(0.99, 0.97, 0.5, 0.01)
    capped = choose_thresholds(score, label, investigated, lenient, max_legitimate_flag_share=0.003)
    assert capped.values["verify"] == score[9]
    loose = choose_thresholds(score, label, investigated, lenient, max_legitimate_flag_share=0.05)
    assert loose.values["verify"] == score[39]
    # With a 0.95 target, 20 presumed legitimate rows among 40 flagged are too many anyway.
    strict = choose_thresholds(score, label, investigated, TierTargets(), max_legitimate_flag_share=0.05)
    assert strict.values["verify"] == score[9]



def test_the_report_says_which_guard_closed_a_tier_and_what_lifting_it_would_catch():
    # Seed 19's shape: one account in five at the top judged (all distillation), every
    # fifth from the fifth on, the rest never judged and so presumed customers.
    score = np.r_[np.linspace(1.0, 0.5, 100), np.linspace(0.4, 0.0, 900)]
    investigated = np.r_[np.arange(100) % 5 == 4, np.zeros(900, bool)]
    label = investigated.astype(int)
    strict = choose_thresholds(score, label, investigated, TierTargets())
    assert math.isinf(strict.values["verify"])
    # The budget and the precision over all flagged rows each close verify: lifting one opens nothing.
    assert set(strict.report["verify"]["recall_if_lifted"].values()) == {0.0}
    lenient = choose_thresholds(score, label, investigated, TierTargets(0.99, 0.97, 0.15, 0.01))
    assert math.isinf(lenient.values["verify"])
    # At a 0.15 target only the budget (2.9 presumed customers of 980) binds; lifted, every verdict.
    assert lenient.report["verify"]["recall_if_lifted"] == {
        "verdict_precision": 0.0, "overall_precision": 0.0, "min_true_positives": 0.0, "legitimate_budget": 1.0}

def test_members_of_a_convicted_campaign_are_not_counted_as_customers():
    # One account in five at the top is judged (all distillation); the others belong to the
    # campaign those verdicts convicted: verify reaches every verdict, where counting them
    # as customers would stop after the first.
    score = np.r_[np.linspace(0.35, 0.25, 50), np.full(1000, 0.001)]
    investigated = np.r_[np.arange(50) % 5 == 0, np.zeros(1000, bool)]
    label = investigated.astype(int)
    convicted = np.r_[~investigated[:50], np.zeros(1000, bool)]
    thresholds = choose_thresholds(score, label, investigated, TierTargets(), convicted=convicted)
    assert thresholds.values["verify"] == score[45]
    assert thresholds.report["verify"]["recall"] == 1.0
    unconvicted = choose_thresholds(score, label, investigated, TierTargets())
    assert unconvicted.values["verify"] == score[0] or math.isinf(unconvicted.values["verify"])



def test_verify_alone_may_sink_into_a_convicted_campaign(day):
    # Seed 19's shape again, the top a campaign whose judged members (one in five) all carry
    # distillation verdicts: counting its never-judged members as customers closes verify;
    # counting them as what their campaign's verdicts say opens it down to the last verdict.
    # Throttle and suspend_review keep the strict bound.
    n = 1050
    investigated = np.r_[np.arange(50) % 5 == 0, np.zeros(1000, bool)]
    rows = pd.DataFrame({
        "feature_date": day(10), "account_id": [f"a{i}" for i in range(n)],
        "campaign_id": ["hydra"] * 50 + [None] * 1000,
        "verdict": np.where(investigated, "distillation", "unlabeled"), "label": investigated.astype(np.int8),
        "target": investigated.astype(np.int8), "split": "validation"})
    training_set = TrainingSet(day(10), rows, day(10), ())
    score = np.r_[np.linspace(0.35, 0.25, 50), np.full(1000, 0.001)]
    def settings(**model):
        defaults = Settings()
        return dataclasses.replace(defaults, model=dataclasses.replace(defaults.model, **model))

    assert Settings().model.verify_counts_convictions and not Settings().model.campaign_conviction
    opened = tier_thresholds(training_set, score, settings(verify_convictions_min_days=1))
    assert opened.values["verify"] == score[45] and opened.report["verify"]["recall"] == 1.0
    strict = tier_thresholds(training_set, score, settings(verify_counts_convictions=False))
    assert strict.values["verify"] > score[5]
    # By default a one-day slice is too short to trust its convictions.
    assert tier_thresholds(training_set, score, Settings()).values == strict.values
    for tier in ("throttle", "suspend_review"):
        assert opened.values[tier] == strict.values[tier] and opened.values[tier] > score[5]

def test_the_legitimate_budget_counts_accounts_not_account_days():
    # Ten verdicts on top; below them 5 never-judged accounts, each scoring there on one of
    # its 5 days: 5 of 1000 accounts (0.5 %) but only 0.1 % of account-days.
    rng = np.random.default_rng(0)
    account = np.r_[np.arange(10), np.repeat(np.arange(10, 1010), 5)]
    score = np.r_[np.linspace(0.9, 0.8, 10), rng.uniform(0.0, 0.01, 5000)]
    score[10 + 5 * np.arange(5)] = 0.3  # one day of each of the first 5 accounts
    score[10 + 5 * 5] = 0.29
    investigated = np.r_[np.ones(10, bool), np.zeros(5000, bool)]
    investigated[10 + 5 * 5] = True  # one more verdict below them
    label = investigated.astype(int)
    lenient = TierTargets(0.99, 0.97, 0.5, 0.01)
    per_day = choose_thresholds(score, label, investigated, lenient, max_legitimate_flag_share=0.003)
    per_account = choose_thresholds(score, label, investigated, lenient, max_legitimate_flag_share=0.003,
                                    account=account)
    assert per_day.values["verify"] == 0.29
    assert per_account.values["verify"] == score[9]
