"""`distillguard evaluate`: what was published, against the simulator's `_truth/`, and
whether issue 5's targets are reached. Reads only the published tables (as enforcement
would), the raw usage logs (request counts) and `_truth/`."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from config.settings import Settings
from evaluation.detection import detection_metrics
from publishing.status import PUBLISHED, all_statuses

BIG_CAMPAIGN = 50  # accounts: such a campaign must be caught on its first full day


@dataclass(frozen=True)
class Target:
    name: str
    goal: str  # in words, e.g. "≥ 0.95"
    measure: Callable[[dict], object]  # the measured value (None: cannot be measured)
    met: Callable[[object], bool]


def _worst(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


def _big_caught(report: dict) -> str | None:
    big = [c for c in report["campaigns"] if c["accounts"] >= BIG_CAMPAIGN]
    return f"{sum(c['caught_on_first_full_day'] for c in big)} of {len(big)}" if big else None


TARGETS = (
    Target("account recall (ever at verify+)", "≥ 0.95", lambda r: r["recall"], lambda v: v >= 0.95),
    Target("benign false-flag rate", "≤ 0.003", lambda r: r["benign_false_flag_rate"], lambda v: v <= 0.003),
    Target("worst legitimate archetype false-flag rate", "≤ 0.01",
           lambda r: _worst([a["rate"] for a in r["benign_false_flag_by_archetype"].values()]), lambda v: v <= 0.01),
    Target("precision at suspend_review", "≥ 0.99",
           lambda r: r["precision_by_tier"]["suspend_review"]["precision"], lambda v: v >= 0.99),
    Target(f"{BIG_CAMPAIGN}+ account campaigns caught on their first full day", "all",
           _big_caught, lambda v: v.split(" of ")[0] == v.split(" of ")[1]),
    Target("worst campaign share of requests before detection", "≤ 0.15",
           lambda r: _worst([c["share_before_detection"] for c in r["campaigns"]]), lambda v: v <= 0.15),
)


def evaluate(raw_root: Path | str, out_root: Path | str, scores: pd.DataFrame | None = None) -> dict:
    """The detection report as a JSON-ready dict (`--json` prints it as is); `scores`
    (`published_scores`' columns) stands in for the published ones, e.g. re-tiered."""
    raw_root, out_root = Path(raw_root), Path(out_root)
    statuses = all_statuses(Settings(raw_root=raw_root, out_root=out_root))
    truth = pd.read_parquet(raw_root / "_truth" / "accounts_truth.parquet",
                            columns=["account_id", "is_distiller", "campaign_id", "archetype"])
    world = json.loads((raw_root / "_truth" / "world.json").read_text())
    requests, unreadable = _requests_per_account_day(raw_root / "usage_logs")
    report = {
        "world": {k: v for k, v in world.items() if isinstance(v, (str, int, float, bool))},
        "published_days": [s["date"] for s in statuses if s["state"] == PUBLISHED],
        "withheld_days": [{"date": s["date"], "reason": s["reason"]} for s in statuses if s["state"] != PUBLISHED],
        "unreadable_usage_files": unreadable,
        **detection_metrics(published_scores(out_root / "published" / "account_scores") if scores is None else scores,
                            truth, requests, _campaign_starts(world)),
    }
    report["targets"] = [_judge(target, report) for target in TARGETS]
    return report


def _campaign_starts(world: dict) -> dict[str, dt.date]:
    """Start day of each simulated campaign: `start_day` counts from the world's first day."""
    first = dt.date.fromisoformat(world["first_day"])
    return {c["campaign_id"]: first + dt.timedelta(days=c["start_day"]) for c in world["campaigns"]}


def _judge(target: Target, report: dict) -> dict:
    value = target.measure(report)
    return {"target": target.name, "goal": target.goal, "value": value,
            "result": "PASS" if value is not None and target.met(value) else "MISS"}


def published_scores(folder: Path) -> pd.DataFrame:
    """Every published day, read through the contract layout as enforcement reads it."""
    files = sorted(str(p) for p in folder.glob("date=*/*.parquet"))
    if not files:
        return pd.DataFrame(columns=["score_date", "account_id", "risk_score", "risk_tier"])
    return duckdb.connect().execute(
        "SELECT score_date, account_id, risk_score, risk_tier FROM read_parquet($files, hive_partitioning = false)",
        {"files": files}).df().assign(score_date=lambda f: pd.to_datetime(f["score_date"]).dt.date)


def _requests_per_account_day(usage_logs: Path) -> tuple[pd.DataFrame, list[str]]:
    """Requests per (folder day, account) from the raw logs; files DuckDB cannot read are listed."""
    con = duckdb.connect()
    parts, unreadable = [], []
    for file in sorted(usage_logs.glob("date=*/*.parquet")):
        try:
            part = con.execute(
                "SELECT account_id, count(*) AS requests FROM read_parquet($file) "
                "WHERE account_id IS NOT NULL GROUP BY account_id", {"file": str(file)}).df()
        except duckdb.Error:
            unreadable.append(str(file.relative_to(usage_logs)))
            continue
        parts.append(part.assign(date=pd.Timestamp(file.parent.name.removeprefix("date=")).date()))
    if not parts:
        return pd.DataFrame(columns=["date", "account_id", "requests"]), unreadable
    frame = pd.concat(parts).groupby(["date", "account_id"], as_index=False)["requests"].sum()
    return frame, unreadable


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.2f} %"


def num(value: object) -> str:
    return "n/a" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def format_report(report: dict) -> str:
    """The report as a person reads it in a terminal."""
    world = ", ".join(f"{k}={v}" for k, v in report["world"].items())
    lines = [f"Detection report ({world})" if world else "Detection report",
             f"published days: {len(report['published_days'])}, withheld days: {len(report['withheld_days'])}"]
    lines += [f"  withheld {w['date']}: {w['reason']}" for w in report["withheld_days"]]
    lines += [f"  unreadable usage file (not counted): {f}" for f in report["unreadable_usage_files"]]
    delay = report["detection_delay_days"]
    lines += [
        "",
        f"mean daily PR-AUC            {num(report['mean_daily_pr_auc'])}",
        f"account recall (verify+)     {pct(report['recall'])}",
        f"benign false-flag rate       {pct(report['benign_false_flag_rate'])}",
        f"detection delay (days)       median {num(delay['median'])}, p90 {num(delay['p90'])} "
        f"over {delay['accounts']} caught accounts",
        "",
        "precision by tier (account-days):",
        *[f"  {tier:<15} {pct(v['precision']):>9}  ({v['account_days']} account-days)"
          for tier, v in report["precision_by_tier"].items()],
        "",
        "false-flag rate by legitimate archetype:",
        *[f"  {name:<18} {pct(v['rate']):>9}  ({v['accounts']} accounts)"
          for name, v in report["benign_false_flag_by_archetype"].items()],
        "",
        "campaigns: id, archetype, accounts, start, first full day, first caught, requests before detection",
        *[f"  {c['campaign_id']:<14} {c['archetype']:<14} {c['accounts']:>6}  {c['start_day']}  "
          f"{c['first_full_day']}  {c['first_caught_day'] or 'never':<10}  {pct(c['share_before_detection'])}"
          for c in report["campaigns"]],
        "",
        "targets (issue 5):",
        *[f"  {t['result']:<4} {t['target']}: {num(t['value'])} (goal {t['goal']})" for t in report["targets"]],
    ]
    return "\n".join(lines)
