"""The ceiling benchmark on two hand-made published days whose every figure is counted by hand.

Budget 0.1 of ten legitimate accounts: one false flag allowed over the run and on D1.
D1: d1 .9 (verify), L0 .8, d2 .7, d3 .6 tied with L1 .6, d4 .5, L2..L9 .1
    → the cut is .7 (d1, L0, d2); .6 would flag two legitimate accounts, and a cut that
      split the tie would wrongly catch d3.
D2: d4 .95 (suspend_review), L2 .92 (verify), d3 .3, d1 .2 → one legitimate account, no
    false flag allowed: cut .95.
Run, on each account's highest score (d1's is D1's .9, not D2's .2): d4 .95, L2 .92, d1 .9,
L0 .8, ... → cut .9.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from benchmarks.ceiling import certify, measure, oracle_cut
from config.settings import Settings
from publishing.publish import publish_day

D1, D2 = dt.date(2026, 3, 2), dt.date(2026, 3, 3)
DISTILLERS = ["d1", "d2", "d3", "d4"]
LEGITIMATE = [f"L{i}" for i in range(10)]
SCORES = {
    D1: {"d1": (0.9, "verify"), "L0": (0.8, "none"), "d2": (0.7, "none"), "d3": (0.6, "none"),
         "L1": (0.6, "monitor"), "d4": (0.5, "none"), "stranger": (0.99, "verify")}
    | {a: (0.1, "none") for a in LEGITIMATE[2:]},
    D2: {"d4": (0.95, "suspend_review"), "L2": (0.92, "verify"), "d3": (0.3, "none"), "d1": (0.2, "none")},
}
# (account, decision, decided at): d2's verdict lands exactly at D1's end, so D1 lacks it.
VERDICTS = [("d1", "distillation", f"{D1}T12:00"), ("d2", "distillation", f"{D2}T00:00"),
            ("L2", "benign", f"{D2}T06:00")]


class Passing:
    success = True

    def summary(self) -> str:
        return "ok"


def write_labels(raw, verdicts) -> None:
    decided = pd.to_datetime([v[2] for v in verdicts], utc=True)
    (raw / "enforcement_labels").mkdir(parents=True)
    pd.DataFrame({"case_id": [f"case-{i}" for i in range(len(verdicts))], "account_id": [v[0] for v in verdicts],
                  "opened_at": decided - pd.Timedelta(days=1), "decided_at": decided,
                  "decision": [v[1] for v in verdicts], "source": "manual_review"}
                 ).astype({"opened_at": "datetime64[us, UTC]", "decided_at": "datetime64[us, UTC]"}
                          ).to_parquet(raw / "enforcement_labels" / "labels.parquet")


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    root = tmp_path_factory.mktemp("ceiling")
    raw, out = root / "raw", root / "out"
    (raw / "_truth").mkdir(parents=True)
    (raw / "accounts").mkdir()
    truth = pd.DataFrame({"account_id": DISTILLERS + LEGITIMATE, "is_distiller": [True] * 4 + [False] * 10})
    truth.to_parquet(raw / "_truth" / "accounts_truth.parquet")
    truth[["account_id"]].to_parquet(raw / "accounts" / "accounts.parquet")
    (raw / "_truth" / "world.json").write_text(json.dumps({"preset": "hand-made", "seed": 1}))
    write_labels(raw, VERDICTS)
    settings = Settings(raw_root=raw, out_root=out)
    empty = pd.DataFrame(columns=["campaign_id", "n_accounts", "n_flagged", "requests", "risk_score", "evidence"])
    for day, rows in SCORES.items():
        frame = pd.DataFrame([{"account_id": a, "risk_score": s, "risk_tier": t, "campaign_id": None, "reasons": []}
                              for a, (s, t) in rows.items()])
        publish_day(settings, day, frame, empty, {"model_name": "m", "model_version": "1"},
                    validate=lambda frame, suite: Passing())
    return measure(raw, out, budget=0.1, confidence=0.9)


def test_oracle_cut_per_day_never_splits_a_tie(result):
    d1, d2 = result["days"][str(D1)], result["days"][str(D2)]
    assert (d1["oracle"]["cut"], d1["oracle"]["recall"], d1["oracle"]["legitimate_flagged"]) == (0.7, 0.5, 1)
    assert (d2["oracle"]["cut"], d2["oracle"]["recall"], d2["oracle"]["legitimate_flagged"]) == (0.95, 1 / 3, 0)
    assert result["rows_without_truth"] == 1  # "stranger"
    assert result["daily"]["oracle_recall"] == pytest.approx({"mean": 5 / 12, "min": 1 / 3, "max": 0.5})


@pytest.mark.parametrize("order", [[0, 1, 2, 3, 4, 5], [0, 1, 2, 4, 3, 5]])
def test_oracle_cut_whatever_the_order_within_a_tie(order):
    score = np.array([0.9, 0.8, 0.7, 0.6, 0.6, 0.1])
    is_distiller = np.array([True, False, True, True, False, False])
    assert oracle_cut(score[order], is_distiller[order], budget=1 / 3) == 0.7  # one false flag of three


def test_oracle_cut_over_the_run_uses_each_accounts_highest_score(result):
    run = result["run"]
    assert (run["accounts"], run["distillers"]) == (14, 4)
    assert (run["oracle"]["cut"], run["oracle"]["recall"], run["oracle"]["legitimate_flagged"]) == (0.9, 0.5, 1)


def test_shipped_tiers_count_verify_and_above(result):
    assert result["days"][str(D1)]["shipped"] == {"recall": 0.25, "distillers_flagged": 1, "legitimate_flagged": 0,
                                                  "legitimate_share": 0.0}
    assert result["days"][str(D2)]["shipped"]["legitimate_share"] == 1.0
    assert result["run"]["shipped"] == {"recall": 0.5, "distillers_flagged": 2, "legitimate_flagged": 1,
                                        "legitimate_share": 0.1}


def test_certify_counts_only_verdicts_decided_by_the_days_end(result):
    d1 = result["days"][str(D1)]["certify"]  # flagged d1, L0, d2; d2's verdict comes at midnight
    assert (d1["flagged"], d1["judged"], d1["benign_verdicts"]) == (3, 1, 0)
    assert d1["legitimate_upper"] == pytest.approx(3 * 0.9)  # Beta(1, 1) quantile 0.9
    assert d1["legitimate_allowed"] == pytest.approx(1.0) and not d1["certifiable"]
    d2 = result["days"][str(D2)]["certify"]  # d4 alone, never judged: it may be legitimate
    assert (d2["judged"], d2["legitimate_upper"]) == (0, 1.0)
    run = result["run"]["certify"]  # flagged d4, L2, d1 as of D2: one benign verdict in two
    assert (run["judged"], run["benign_verdicts"], run["distillation_verdicts"]) == (2, 1, 1)
    assert run["legitimate_upper"] == pytest.approx(3 * 0.9 ** 0.5)  # Beta(2, 1): x² = 0.9


def test_certify_passes_when_enough_clean_verdicts_bound_the_legitimate():
    flagged = np.array([f"a{i}" for i in range(30)], dtype=object)
    verdicts = pd.Series("distillation", index=flagged)
    upper = 30 * (1 - 0.1 ** (1 / 30))  # no benign verdict in 30: Beta(1, 30) quantile 0.9
    assert certify(flagged, verdicts, allowed=3.0, confidence=0.9)["legitimate_upper"] == pytest.approx(upper)
    assert certify(flagged, verdicts, allowed=3.0, confidence=0.9)["certifiable"]
    assert not certify(flagged, verdicts, allowed=2.0, confidence=0.9)["certifiable"]
