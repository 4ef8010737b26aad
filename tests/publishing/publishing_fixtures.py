"""A tiny scored day, its linkage keys and a stand-in for the contract runner, shared by the publishing tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

DAY = dt.date(2026, 3, 2)
STATUS = {"model_name": "distillguard-risk", "model_version": "3", "checks": {"usage_logs_contract": {"success": True}}}


@dataclass
class FakeResult:
    success: bool = True
    failures: list = field(default_factory=list)

    def summary(self) -> str:
        return "ok" if self.success else f"{len(self.failures)} failed: {', '.join(self.failures)}"


def passing(frame: pd.DataFrame, suite: str) -> FakeResult:
    assert suite == "account_scores"
    return FakeResult()


def failing(frame: pd.DataFrame, suite: str) -> FakeResult:
    return FakeResult(False, ["risk_score between 0 and 1"])


def reason(feature: str, value: float, contribution: float) -> dict:
    return {"feature": feature, "value": value, "contribution": contribution, "text": f"{feature} is {value}"}


def day_scores(bump: float = 0.0, n: int = 6) -> pd.DataFrame:
    """`n` accounts, deliberately out of order; `bump` makes a different version of the day."""
    tiers = ["suspend_review", "throttle", "verify", "monitor", "none", "none"] * n
    rows = []
    for i in reversed(range(n)):
        score = round(min(0.99, 0.95 - 0.15 * i + bump), 4)
        rows.append({
            "account_id": f"acct-{i:03d}",
            "risk_score": max(score, 0.001),
            "risk_tier": tiers[i],
            "campaign_id": "camp-A" if i < 3 else None,
            "reasons": [reason("cot_share_7d", 0.7, 1.2 - 0.1 * i), reason("requests_1d", 900.0, 0.5)] if i < 3 else [],
        })
    return pd.DataFrame(rows)


def day_campaigns(bump: float = 0.0) -> pd.DataFrame:
    return pd.DataFrame([
        {"campaign_id": "camp-B", "n_accounts": 2, "n_flagged": 0, "requests": 40, "risk_score": 0.1,
         "evidence": ["2 accounts share a payment instrument"]},
        {"campaign_id": "camp-A", "n_accounts": 3, "n_flagged": 3, "requests": 5000, "risk_score": 0.9 + bump,
         "evidence": ["3 accounts share a payment instrument", "synchronized timing"]},
    ])


def write_linkage_keys(settings) -> None:
    """camp-A's three members share a payment instrument, two a template; two share only two
    synchronized minutes, which is chance, not evidence (three are needed)."""
    rows = [(f"acct-00{i}", "payment", "pay-1") for i in range(3)]
    rows += [("acct-000", "template", "tpl-1"), ("acct-001", "template", "tpl-1")]
    rows += [(a, "sync_minute", m) for a in ("acct-001", "acct-002") for m in ("m1", "m2")]
    rows += [("acct-004", "payment", "pay-1")]  # not a member of camp-A: never drawn
    folder = settings.warehouse_day("linkage_keys", DAY)
    folder.mkdir(parents=True)
    pq.write_table(pa.Table.from_pandas(pd.DataFrame(rows, columns=["account_id", "key_kind", "key"])),
                   folder / "part-0.parquet")
