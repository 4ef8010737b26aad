"""Detection metrics of published scores against the simulator's truth, on plain frames.

Definitions (the report states them too):
- an account is *flagged* on D when its published tier on D is `verify` or above;
- recall and false-flag rates count accounts scored on at least one published day;
- precision per tier counts account-days;
- detection delay: days from an account's first active day (raw logs) to its first flag;
- a campaign is *caught* on D when at least half of its accounts scored on D are flagged;
  its *first full day* is the day after its start day (world.json: it starts mid-day), or
  the first published day if it was already running then;
- requests before detection: enforcement acts the day after a flag, so an account's
  requests up to and including its first flag day count as made before detection (all of
  them if it is never flagged).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score

from publishing.schema import FLAGGED_TIERS, TIERS

CAUGHT_SHARE = 0.5


def detection_metrics(scores: pd.DataFrame, truth: pd.DataFrame, requests: pd.DataFrame,
                      campaign_starts: dict[str, dt.date]) -> dict:
    """`scores`: score_date, account_id, risk_score, risk_tier (all published days);
    `truth`: account_id, is_distiller, campaign_id, archetype; `requests`: date, account_id,
    requests (raw usage per account-day); `campaign_starts`: campaign_id → start day."""
    scored = scores.merge(truth, on="account_id", how="left", validate="many_to_one")
    unknown = int(scored["is_distiller"].isna().sum())
    scored = scored.dropna(subset=["is_distiller"]).astype({"is_distiller": bool})
    scored["flagged"] = scored["risk_tier"].isin(FLAGGED_TIERS)
    first_flag = scored[scored["flagged"]].groupby("account_id")["score_date"].min().rename("first_flag")
    accounts = (scored.groupby("account_id")
                .agg(is_distiller=("is_distiller", "first"), archetype=("archetype", "first"),
                     ever_flagged=("flagged", "any"))
                .join(first_flag))
    return {
        "rows_without_truth": unknown,
        "mean_daily_pr_auc": _mean_daily_pr_auc(scored),
        "recall": _share(accounts.loc[accounts["is_distiller"], "ever_flagged"]),
        "benign_false_flag_rate": _share(accounts.loc[~accounts["is_distiller"], "ever_flagged"]),
        "benign_false_flag_by_archetype": {
            name: {"rate": _share(group["ever_flagged"]), "accounts": len(group)}
            for name, group in accounts[~accounts["is_distiller"]].groupby("archetype")
        },
        "precision_by_tier": {
            tier: {"precision": _share(rows["is_distiller"]), "account_days": len(rows)}
            for tier in TIERS[1:]
            for rows in [scored[scored["risk_tier"] == tier]]
        },
        "detection_delay_days": _delays(accounts, requests),
        "campaigns": _campaigns(scored, truth, requests, first_flag, campaign_starts),
    }


def _share(flags: pd.Series) -> float | None:
    return float(flags.mean()) if len(flags) else None


def _mean_daily_pr_auc(scored: pd.DataFrame) -> float | None:
    """Average precision per day (days with both classes), averaged over days."""
    daily = [average_precision_score(day["is_distiller"], day["risk_score"])
             for _, day in scored.groupby("score_date") if day["is_distiller"].nunique() == 2]
    return float(np.mean(daily)) if daily else None


def _first_active(requests: pd.DataFrame) -> pd.Series:
    return requests[requests["requests"] > 0].groupby("account_id")["date"].min()


def _delays(accounts: pd.DataFrame, requests: pd.DataFrame) -> dict:
    caught = accounts[accounts["is_distiller"] & accounts["first_flag"].notna()]
    start = _first_active(requests).reindex(caught.index)
    days = np.array([(flag - first).days for flag, first in zip(caught["first_flag"], start) if pd.notna(first)])
    if not len(days):
        return {"median": None, "p90": None, "accounts": 0}
    return {"median": float(np.median(days)), "p90": float(np.percentile(days, 90)), "accounts": int(len(days))}


def _campaigns(scored: pd.DataFrame, truth: pd.DataFrame, requests: pd.DataFrame, first_flag: pd.Series,
               starts: dict[str, dt.date]) -> list[dict]:
    members = truth[truth["is_distiller"].astype(bool) & truth["campaign_id"].notna()]
    first_published = scored["score_date"].min() if len(scored) else None
    usage = requests.merge(members[["account_id", "campaign_id"]], on="account_id")
    usage = usage.join(first_flag, on="account_id")
    usage["before_detection"] = usage["first_flag"].isna() | (usage["date"] <= usage["first_flag"])
    share_before = (usage.assign(before=usage["requests"] * usage["before_detection"])
                    .groupby("campaign_id")[["before", "requests"]].sum())
    caught_days = _caught_days(scored, members)
    out = []
    for campaign, group in members.groupby("campaign_id"):
        active = usage.loc[(usage["campaign_id"] == campaign) & (usage["requests"] > 0), "date"]
        first_active = active.min() if len(active) else None
        first_full = _first_full_day(starts.get(campaign), first_published)
        caught = caught_days.get(campaign)
        totals = share_before.loc[campaign] if campaign in share_before.index else None
        out.append({
            "campaign_id": campaign,
            "archetype": group["archetype"].iloc[0],
            "accounts": len(group),
            "start_day": _iso(starts.get(campaign)),
            "first_active_day": _iso(first_active),
            "first_full_day": _iso(first_full),
            "first_caught_day": _iso(caught),
            "caught_on_first_full_day": bool(caught is not None and first_full is not None and caught <= first_full),
            "requests": int(totals["requests"]) if totals is not None else 0,
            "share_before_detection": (float(totals["before"] / totals["requests"])
                                       if totals is not None and totals["requests"] else None),
        })
    return out


def _caught_days(scored: pd.DataFrame, members: pd.DataFrame) -> dict:
    """First day at least CAUGHT_SHARE of a campaign's scored accounts were flagged."""
    rows = scored[["score_date", "account_id", "flagged"]].merge(members[["account_id", "campaign_id"]], on="account_id")
    share = rows.groupby(["campaign_id", "score_date"])["flagged"].mean()
    caught = share[share >= CAUGHT_SHARE].reset_index()
    return caught.groupby("campaign_id")["score_date"].min().to_dict()


def _first_full_day(start: dt.date | None, first_published: dt.date | None) -> dt.date | None:
    if start is None or first_published is None:
        return None
    return max(start + dt.timedelta(days=1), first_published)


def _iso(day: dt.date | None) -> str | None:
    return None if day is None or pd.isna(day) else pd.Timestamp(day).date().isoformat()
