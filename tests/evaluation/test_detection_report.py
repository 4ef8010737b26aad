"""The detection report on a hand-made world whose every answer is counted by hand."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from config.settings import Settings
from evaluation.report import evaluate, format_report
from publishing.publish import publish_day, withhold_day

D1, D2, D3 = (dt.date(2026, 3, 2) + dt.timedelta(days=i) for i in range(3))
BIG = [f"b{i:02d}" for i in range(50)]  # hydra campaign: 30 flagged on D2, the other 20 on D3
EARLY, LATE = BIG[:30], BIG[30:]
HOBBY = [f"h{i}" for i in range(10)]  # h0 falsely flagged on D3
CORP = [f"c{i}" for i in range(5)]  # c0 at monitor on D2


class Passing:
    success = True

    def summary(self) -> str:
        return "ok"


def truth() -> pd.DataFrame:
    rows = ([(a, True, "C-big", "hydra") for a in BIG] + [(a, True, "C-small", "low_and_slow") for a in ("s0", "s1")]
            + [(a, False, None, "hobbyist") for a in HOBBY] + [(a, False, "org-1", "corporate") for a in CORP])
    return pd.DataFrame(rows, columns=["account_id", "is_distiller", "campaign_id", "archetype"])


def requests() -> dict[dt.date, dict[str, int]]:
    """Requests per day and account: big campaign 10 a day from D1, the rest from D2."""
    later = {a: 5 for a in ("s0", "s1")} | {a: 1 for a in HOBBY + CORP}
    return {D1: {a: 10 for a in BIG}, D2: {a: 10 for a in BIG} | later, D3: {a: 10 for a in BIG} | later}


def scores(day: dt.date) -> pd.DataFrame:
    """(tier, score): D2 separates perfectly; on D3 h0 outranks every distiller."""
    tier = {a: ("verify", 0.9) for a in EARLY} | {a: ("none", 0.5) for a in LATE}
    tier |= {"s0": ("none", 0.4), "s1": ("none", 0.4)} | {a: ("none", 0.01) for a in HOBBY + CORP}
    tier |= {"c0": ("monitor", 0.02)}
    if day == D3:
        tier |= {a: ("suspend_review", 0.95) for a in LATE} | {"s0": ("none", 0.05), "s1": ("throttle", 0.93)}
        tier |= {"h0": ("verify", 0.99), "c0": ("none", 0.01)}
    return pd.DataFrame([{"account_id": a, "risk_tier": t, "risk_score": s, "campaign_id": None, "reasons": []}
                         for a, (t, s) in tier.items()])


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("world")
    raw, out = root / "raw", root / "out"
    (raw / "_truth").mkdir(parents=True)
    truth().to_parquet(raw / "_truth" / "accounts_truth.parquet")
    (raw / "_truth" / "world.json").write_text(json.dumps({
        "preset": "hand-made", "seed": 1, "first_day": str(D1), "counts": {},
        "campaigns": [{"campaign_id": "C-big", "start_day": 0}, {"campaign_id": "C-small", "start_day": 1}]}))
    for day, counts in requests().items():
        folder = raw / "usage_logs" / f"date={day}"
        folder.mkdir(parents=True)
        ids = [a for a, n in counts.items() for _ in range(n)]
        pd.DataFrame({"request_id": [f"{day}-{i}" for i in range(len(ids))], "account_id": ids}).to_parquet(
            folder / "part-0.parquet")
    (raw / "usage_logs" / f"date={D3}" / "part-1.parquet").write_bytes(b"PAR1 truncated")
    settings = Settings(raw_root=raw, out_root=out)
    withhold_day(settings, D1, "no champion model as of 2026-03-02", {})
    empty = pd.DataFrame(columns=["campaign_id", "n_accounts", "n_flagged", "requests", "risk_score", "evidence"])
    for day in (D2, D3):
        publish_day(settings, day, scores(day), empty, {"model_name": "m", "model_version": "1"},
                    validate=lambda frame, suite: Passing())
    return evaluate(raw, out)


def test_account_level_rates(world):
    assert world["recall"] == pytest.approx(51 / 52)  # s0 is never flagged
    assert world["benign_false_flag_rate"] == pytest.approx(1 / 15)
    assert world["benign_false_flag_by_archetype"] == {
        "corporate": {"rate": 0.0, "accounts": 5}, "hobbyist": {"rate": pytest.approx(0.1), "accounts": 10}}


def test_precision_counts_account_days(world):
    tiers = world["precision_by_tier"]
    assert tiers["monitor"] == {"precision": 0.0, "account_days": 1}
    assert tiers["verify"] == {"precision": pytest.approx(60 / 61), "account_days": 61}
    assert tiers["throttle"] == {"precision": 1.0, "account_days": 1}
    assert tiers["suspend_review"] == {"precision": 1.0, "account_days": 20}


def test_mean_daily_pr_auc(world):
    # D2 separates perfectly. D3, by score threshold: h0 (benign) first, then 20 late big
    # accounts, s1, 30 early big accounts, s0: recall steps times precision at each step.
    d3 = (20 / 52) * (20 / 21) + (1 / 52) * (21 / 22) + (30 / 52) * (51 / 52) + (1 / 52) * (52 / 53)
    assert world["mean_daily_pr_auc"] == pytest.approx((1.0 + d3) / 2)


def test_detection_delay_from_first_active_day(world):
    # 30 early big accounts: D1 → D2 (1 day); s1: D2 → D3 (1); 20 late big accounts: D1 → D3 (2)
    assert world["detection_delay_days"] == {"median": 1.0, "p90": 2.0, "accounts": 51}


def test_campaigns_first_caught_day_and_requests_before_detection(world):
    big, small = world["campaigns"]
    assert big == {"campaign_id": "C-big", "archetype": "hydra", "accounts": 50, "start_day": str(D1),
                   "first_active_day": str(D1),
                   "first_full_day": str(D2), "first_caught_day": str(D2), "caught_on_first_full_day": True,
                   "requests": 1500, "share_before_detection": pytest.approx((30 * 20 + 20 * 30) / 1500)}
    assert small["first_full_day"] == str(D3) and small["first_caught_day"] == str(D3)  # 1 of 2 flagged
    assert small["share_before_detection"] == 1.0


def test_withheld_days_unreadable_files_and_targets(world):
    assert world["withheld_days"] == [{"date": str(D1), "reason": "no champion model as of 2026-03-02"}]
    assert world["published_days"] == [str(D2), str(D3)]
    assert world["unreadable_usage_files"] == [f"date={D3}/part-1.parquet"]
    assert [t["result"] for t in world["targets"]] == ["PASS", "MISS", "MISS", "PASS", "PASS", "MISS"]
    assert world["targets"][4]["value"] == "1 of 1"
    json.dumps(world)  # `--json` prints it as is


def test_format_report_names_every_target_and_withheld_day(world):
    text = format_report(world)
    assert "preset=hand-made" in text and "first_day=2026-03-02" in text
    assert f"withheld {D1}: no champion model" in text
    for target in world["targets"]:
        assert f"{target['result']} {target['target']}" in text
    assert "C-big" in text and "98.08 %" in text
