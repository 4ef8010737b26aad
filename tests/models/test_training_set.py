"""Point-in-time correctness: the training set for T is what production could build on T."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pandas.testing as pdt
import pytest

from models.training_set import build_training_set, convicted_by_campaign


@pytest.fixture
def cutoff(day) -> dt.date:
    return day(20)


def _end_of(cutoff: dt.date) -> pd.Timestamp:
    return pd.Timestamp(cutoff + dt.timedelta(days=1), tz="UTC")


def _rows(features, labels, cutoff):
    return build_training_set(features, labels, cutoff).rows


def test_verdicts_decided_after_cutoff_change_nothing(world, cutoff):
    features, labels = world
    decided = pd.to_datetime(labels["decided_at"], utc=True)
    late = decided >= _end_of(cutoff)
    assert late.any() and (~late).any()
    # Later still, and with the opposite decision: still invisible at T.
    rewritten = labels.copy()
    rewritten.loc[late, "decided_at"] = decided[late] + pd.Timedelta(days=30)
    rewritten.loc[late, "decision"] = rewritten.loc[late, "decision"].map(
        {"distillation": "benign", "benign": "distillation"})
    expected = _rows(features, labels[~late], cutoff)
    pdt.assert_frame_equal(_rows(features, labels, cutoff), expected)
    pdt.assert_frame_equal(_rows(features, rewritten, cutoff), expected)


def test_moving_any_verdict_past_cutoff_is_as_if_it_did_not_exist(world, cutoff):
    features, labels = world
    known = labels[pd.to_datetime(labels["decided_at"], utc=True) < _end_of(cutoff)]
    # A few cases of each decision (all of them would take long on shared cores).
    cases = known.groupby("decision").head(4).index
    assert set(known.loc[cases, "decision"]) == {"distillation", "benign"}
    original = _rows(features, labels, cutoff)
    for case in cases:
        moved = labels.copy()
        moved.loc[case, "decided_at"] = _end_of(cutoff)  # the first instant after T
        rows = _rows(features, moved, cutoff)
        pdt.assert_frame_equal(rows, _rows(features, labels.drop(index=case), cutoff))
        account = labels.loc[case, "account_id"]
        assert (rows.loc[rows["account_id"] == account, "verdict"] == "unlabeled").all()
        assert not rows.equals(original)


def test_verdict_decided_at_last_instant_of_cutoff_counts(world, cutoff):
    features, labels = world
    case = labels.index[labels["decision"] == "distillation"][0]
    moved = labels.copy()
    moved.loc[case, "decided_at"] = _end_of(cutoff) - pd.Timedelta(microseconds=1)
    rows = _rows(features, moved, cutoff)
    assert (rows.loc[rows["account_id"] == labels.loc[case, "account_id"], "label"] == 1).all()


def test_feature_rows_after_cutoff_change_nothing(world, cutoff):
    features, labels = world
    before = features[pd.to_datetime(features["feature_date"]).dt.date <= cutoff]
    assert len(before) < len(features)
    pdt.assert_frame_equal(_rows(features, labels, cutoff), _rows(before, labels, cutoff))
    assert _rows(features, labels, cutoff)["feature_date"].max() == cutoff


def test_validation_slice_is_the_last_days_before_cutoff(world, cutoff, day):
    features, labels = world
    ts = build_training_set(features, labels, cutoff, validation_days=7)
    assert sorted(ts.validation["feature_date"].unique()) == [day(d) for d in range(14, 21)]
    assert ts.train["feature_date"].max() == day(13)


def test_short_history_validates_on_its_later_half(world, day):
    # Three feature days: a first model should not wait for a week of history.
    features, labels = world
    ts = build_training_set(features, labels, day(2), validation_days=7)
    assert sorted(ts.train["feature_date"].unique()) == [day(0), day(1)]
    assert sorted(ts.validation["feature_date"].unique()) == [day(2)]


def test_weights_follow_the_positive_unlabeled_choice(world, cutoff):
    features, labels = world
    rows = build_training_set(features, labels, cutoff, unlabeled_weight=0.2, benign_weight=3.0).rows
    weight = rows.groupby("verdict")["weight"].unique()
    assert {k: list(v) for k, v in weight.items()} == {
        "distillation": [1.0], "benign": [3.0], "unlabeled": [0.2]}


def test_validation_accounts_are_never_trained_on(world, cutoff, day):
    features, labels = world
    ts = build_training_set(features, labels, cutoff, validation_share=0.3)
    held = set(ts.validation["account_id"])
    assert held and not held & set(ts.train["account_id"])
    assert 0.2 < len(held) / ts.rows["account_id"].nunique() < 0.4
    # The same accounts are held out at a later cutoff: no account changes sides.
    later = build_training_set(features, labels, day(27), validation_share=0.3)
    assert set(later.validation["account_id"]) == held


def test_a_convicted_campaign_teaches_its_unjudged_members_as_distillers(day):
    def members(campaign, verdicts):
        return [(day(0), f"{campaign}{i}", campaign, v) for i, v in enumerate(verdicts)]

    rows = pd.DataFrame(
        members("hydra", ["distillation"] * 3 + ["unlabeled"] * 5)
        + members("class", ["distillation"] * 3 + ["benign"] + ["unlabeled"] * 5)  # 3 of 4: 0.75
        + members("pair", ["distillation"] * 2 + ["unlabeled"])  # too few verdicts
        + [(day(0), "alone", None, "unlabeled"), (day(1), "hydra9", "hydra", "unlabeled")],  # another day
        columns=["feature_date", "account_id", "campaign_id", "verdict"],
    )
    convicted = convicted_by_campaign(rows, min_verdicts=3, verdict_share=0.9)
    assert set(rows.account_id[convicted]) == {f"hydra{i}" for i in range(3, 8)}
    # Conviction is opt-in: switched off (the shipped default) it convicts nobody.
    assert not convicted_by_campaign(rows, min_verdicts=None, verdict_share=0.9).any()


def test_campaign_conviction_is_off_unless_asked_for(tmp_path):
    from config import load_settings

    assert load_settings(env={}).model.campaign_conviction is False
    file = tmp_path / "c.toml"
    file.write_text("[model]\ncampaign_conviction = true\n")
    assert load_settings(file=file, env={}).model.campaign_conviction is True
