"""Ceiling benchmark: how much recall the published ranking allows at a false-flag budget.

    python -m benchmarks.ceiling --raw RAW_ROOT --out OUT_ROOT [--budget 0.003] [--confidence 0.9]

Reads a finished walk's published `account_scores` (no retraining), the raw enforcement
labels and the simulator's `_truth/`, and reports per published day and over the whole run:
- the oracle ceiling: the best single cut "flag every score ≥ t", chosen WITH the truth, that
  flags at most `budget` of legitimate accounts; per day over that day's account-days, over
  the run on each account's highest score (a customer flagged on any day is flagged);
- what the shipped tiers achieved (`verify` or above), so the gap to the ceiling is visible;
- certifiability at the oracle cut: how many flagged accounts carry a verdict decided by the
  day's end (the labels the pipeline had), and the one-sided Clopper–Pearson upper bound,
  at `confidence`, on the legitimate accounts among the flagged that those verdicts allow.
  It treats the judged accounts as a random sample of the flagged, which investigations are
  not, so it is the most the verdicts could ever certify, and it takes verdicts as true.
If even this oracle misses a target, no threshold rule on this ranking can reach it; if the
verdicts cannot certify the oracle cut, no rule choosing cuts from verdicts can know it is
within budget.
The JSON lands in `benchmarks/results/ceiling_<preset>_seed<N>.json`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from scipy.stats import beta

from benchmarks.harness import save_and_print, walk_parser
from evaluation.report import published_scores
from features.ingest import ingest_labels
from models.training_set import verdicts_as_of
from publishing.schema import FLAGGED_TIERS

BOUND = "one-sided Clopper-Pearson upper bound on the benign share among judged flagged accounts, times flagged"


def oracle_cut(score: np.ndarray, is_distiller: np.ndarray, budget: float) -> float:
    """Lowest t such that flagging every score ≥ t flags at most `budget` of the legitimate
    (+inf if even the top score does). Only distinct scores are cuts: a cut cannot split a tie."""
    order = np.argsort(-score, kind="stable")
    ranked, legitimate = score[order], ~is_distiller[order]
    last_of_tie = np.r_[ranked[1:] != ranked[:-1], True]
    ok = np.flatnonzero(last_of_tie & (np.cumsum(legitimate) <= budget * legitimate.sum()))
    return float(ranked[ok[-1]]) if ok.size else math.inf


def rates(flagged: np.ndarray, is_distiller: np.ndarray) -> dict:
    """Recall and legitimate flagged share of one flagging, oracle or shipped alike."""
    distillers, legitimate = int(is_distiller.sum()), int((~is_distiller).sum())
    caught, false_flags = int((flagged & is_distiller).sum()), int((flagged & ~is_distiller).sum())
    return {"recall": caught / distillers if distillers else None, "distillers_flagged": caught,
            "legitimate_flagged": false_flags,
            "legitimate_share": false_flags / legitimate if legitimate else None}


def certify(flagged_accounts: np.ndarray, verdicts: pd.Series, allowed: float, confidence: float) -> dict:
    """Verdicts among the flagged accounts and the legitimate count they allow at `confidence`
    (`BOUND`); `allowed` is the budget in accounts. No verdict at all allows every one."""
    decision = verdicts.reindex(flagged_accounts)
    judged, benign = int(decision.notna().sum()), int((decision == "benign").sum())
    share = 1.0 if benign == judged else float(beta.ppf(confidence, benign + 1, judged - benign))
    upper = share * len(flagged_accounts)
    return {"flagged": len(flagged_accounts), "judged": judged, "benign_verdicts": benign,
            "distillation_verdicts": judged - benign, "legitimate_upper": upper,
            "legitimate_allowed": allowed, "certifiable": upper <= allowed}


def ceiling(rows: pd.DataFrame, verdicts: pd.Series, budget: float, confidence: float) -> dict:
    """All three figures for one set of rows (one per account): account_id, risk_score,
    flagged (the shipped tiers), is_distiller; `verdicts` as known when they were published."""
    score, is_distiller = rows["risk_score"].to_numpy(np.float64), rows["is_distiller"].to_numpy(bool)
    cut = oracle_cut(score, is_distiller, budget)
    at_cut = score >= cut
    return {"accounts": len(rows), "distillers": int(is_distiller.sum()),
            "oracle": {"cut": None if math.isinf(cut) else cut, **rates(at_cut, is_distiller)},
            "shipped": rates(rows["flagged"].to_numpy(bool), is_distiller),
            "certify": certify(rows.loc[at_cut, "account_id"].to_numpy(object), verdicts,
                               budget * int((~is_distiller).sum()), confidence)}


def run_ceiling(scores: pd.DataFrame, truth: pd.DataFrame, labels: pd.DataFrame,
                budget: float = 0.003, confidence: float = 0.9) -> dict:
    """`scores`: score_date, account_id, risk_score, risk_tier (every published day); `truth`:
    account_id, is_distiller; `labels`: the clean enforcement labels. Per day, then over the run."""
    scored = scores.merge(truth[["account_id", "is_distiller"]], on="account_id", how="inner", validate="many_to_one")
    scored = scored.astype({"is_distiller": bool}).assign(flagged=lambda f: f["risk_tier"].isin(FLAGGED_TIERS))
    days = {day.isoformat(): ceiling(rows, verdicts_as_of(labels, day), budget, confidence)
            for day, rows in scored.groupby("score_date")}
    accounts = scored.groupby("account_id", as_index=False).agg(
        risk_score=("risk_score", "max"), flagged=("flagged", "any"), is_distiller=("is_distiller", "first"))
    last_day = scored["score_date"].max() if len(scored) else None
    whole = ceiling(accounts, verdicts_as_of(labels, last_day) if last_day else pd.Series(dtype=object),
                    budget, confidence)
    return {"budget": budget, "confidence": confidence, "bound": BOUND,
            "rows_without_truth": len(scores) - len(scored), "days": days, "run": whole,
            "daily": _daily_summary(days)}


def _daily_summary(days: dict) -> dict | None:
    """Oracle and shipped recall across days (mean, min, max) and the days the verdicts certify."""
    def spread(values: list[float]) -> dict:
        return {"mean": float(np.mean(values)), "min": min(values), "max": max(values)}

    known = [d for d in days.values() if d["distillers"]]
    if not known:
        return None
    return {"oracle_recall": spread([d["oracle"]["recall"] for d in known]),
            "shipped_recall": spread([d["shipped"]["recall"] for d in known]),
            "certifiable_days": sum(d["certify"]["certifiable"] for d in days.values()), "days": len(days)}


def measure(raw_root: Path, out_root: Path, budget: float, confidence: float) -> dict:
    """Reads the walk as `distillguard evaluate` does, plus the labels through the ingest contract."""
    truth = pd.read_parquet(raw_root / "_truth" / "accounts_truth.parquet", columns=["account_id", "is_distiller"])
    known = pq.read_table(raw_root / "accounts" / "accounts.parquet", columns=["account_id"]).column("account_id")
    labels = ingest_labels(raw_root, known)[0].to_pandas()
    world = json.loads((raw_root / "_truth" / "world.json").read_text())
    scores = published_scores(out_root / "published" / "account_scores")
    result = run_ceiling(scores, truth, labels, budget, confidence)
    return {"preset": world["preset"], "seed": world["seed"], "raw": str(raw_root), "out": str(out_root), **result}


def _pct(value: float | None) -> str:
    return "   n/a" if value is None else f"{value * 100:5.1f}%"


def format_table(result: dict) -> str:
    """One line per day and one for the run: ceiling, shipped tiers, certifiability."""
    lines = [f"budget {result['budget']} of legitimate accounts; legit≤ = {result['bound']}"
             f" at {result['confidence']}",
             f"{'day':<10} {'accts':>6} {'dist':>5} | {'cut':>7} {'recall':>6} {'legit':>5} | {'shipped':>7} "
             f"{'legit%':>6} | {'flagged':>7} {'judged':>6} {'benign':>6} {'legit≤':>7} {'allowed':>7}"]
    for name, f in [*result["days"].items(), ("run", result["run"])]:
        o, s, c = f["oracle"], f["shipped"], f["certify"]
        cut = "    inf" if o["cut"] is None else f"{o['cut']:7.4f}"
        lines.append(f"{name:<10} {f['accounts']:>6} {f['distillers']:>5} | {cut} {_pct(o['recall'])} "
                     f"{o['legitimate_flagged']:>5} | {_pct(s['recall']):>7} {_pct(s['legitimate_share'])} | "
                     f"{c['flagged']:>7} {c['judged']:>6} {c['benign_verdicts']:>6} {c['legitimate_upper']:>7.1f} "
                     f"{c['legitimate_allowed']:>7.1f}")
    if result["daily"]:
        d = result["daily"]
        lines += [f"daily {name} recall: mean {r['mean']:.3f}, min {r['min']:.3f}, max {r['max']:.3f}"
                  for name, r in (("oracle", d["oracle_recall"]), ("shipped", d["shipped_recall"]))]
        lines.append(f"days the verdicts certify at the oracle cut: {d['certifiable_days']} of {d['days']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = walk_parser(__doc__)
    parser.add_argument("--budget", type=float, default=0.003, help="share of legitimate accounts one may flag")
    parser.add_argument("--confidence", type=float, default=0.9, help="of the upper bound on legitimate flagged")
    args = parser.parse_args(argv)
    result = measure(args.raw, args.out, args.budget, args.confidence)
    save_and_print("ceiling", result, args.label, format_table(result))


if __name__ == "__main__":
    main()
