"""Risk tiers and their thresholds, chosen on the validation slice and stored with the model.

`verify`, `throttle` and `suspend_review` each need a target precision; `monitor` is a
capacity (the top share of account-days). Precision is measured among investigated rows
(distillation against benign verdicts, see `models.metrics`): benign verdicts are the
look-alikes, so this is precision where it is hardest; and since verdicts are sometimes
wrong, a target is met when the measured precision implies it at `verdict_error_rate`
(`measured_precision_needed`). Guards against a threshold that flags customers for nothing:
- a threshold sits exactly on a distillation verdict's score: below the lowest verdict it
  catches it would only add accounts, never recall, so it is raised back to it;
- benign verdicts are few, so precision among verdicts alone would let a threshold sink
  into a crowd of never-judged accounts. The product promises to flag at most
  `max_legitimate_flag_share` of legitimate accounts at verify or above, so verify or above
  may flag at most that share of the never-judged rows presumed legitimate
  (`legitimate_weight`): those outside convicted campaigns. Not of all never-judged rows:
  with distillers a tenth of the population and few of them judged, most never-judged
  rows at the top are members of a hydra whose judged members convicted it, and counting
  them as customers capped recall at 0.4 %;
- precision is also required over ALL flagged rows, never-judged ones outside convicted
  campaigns counted as legitimate: without benign verdicts in the slice, precision among
  verdicts alone cannot tell `verify` from `suspend_review`;
- the legitimate budget counts accounts ever flagged in the slice, since a customer
  flagged on one day of seven is flagged;
- a tier needs at least `min_true_positives` distillation rows caught within these limits;
  if no threshold manages that, the tier is unreachable (threshold +inf, `null` in JSON):
  nobody enters it, rather than a useless low threshold.
Which never-judged rows count as convicted differs by tier. `throttle` and
`suspend_review` trust only what the model learns from (campaign conviction, off by
default), so with it off they presume every never-judged row legitimate. `verify` also
trusts every campaign its members' verdicts convict (`verify_convicted`): on three of six
demo worlds the strict bound opened no tier at all (seed 19: the top 400 validation rows
all distillers, 78 of them judged, none benign), because a 0.3 % budget is about 18
accounts and verdicts are too few to place 18 accounts among hundreds. Such a flag asks for
an identity check, and every flag needs the account's own evidence (`cap_campaign_only`),
so a customer glued into a convicted campaign is not flagged for its campaign's sake.
The report stored with the thresholds gives, per tier, the precision among verdicts, the
recall of verdicts, the share of benign and of unlabeled rows flagged, the expected
precision and share of legitimate rows (and accounts) flagged, and, per guard, the recall
the tier would reach were that guard alone lifted (`recall_if_lifted`): which guard closed
a tier, and what it costs.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np

TIERS = ("none", "monitor", "verify", "throttle", "suspend_review")
# Tiers at which enforcement acts ("verify or above").
FLAGGED_TIERS = TIERS[2:]
# Every flag needs evidence of the account's own: its own features must add at least this
# share of what its campaign's features add to its score (`cap_campaign_only`).
OWN_EVIDENCE_MIN_SHARE = 0.1
# Share of verdicts that are wrong, assumed the same both ways ("a few verdicts are wrong").
# Trust and safety measures it from appeals and overturns; 5 % until they say otherwise.
VERDICT_ERROR_RATE = 0.05


def measured_precision_needed(target: float, verdict_error_rate: float = VERDICT_ERROR_RATE) -> float:
    """Precision against verdicts that means a true precision of `target`.

    At a symmetric error rate e, a true precision p is measured as p (1 - 2e) + e: with
    e = 6 %, a perfect model measures 0.94, and a 0.95 target taken literally could never
    be met however good the model.
    """
    return target * (1 - 2 * verdict_error_rate) + verdict_error_rate


@dataclass(frozen=True)
class Thresholds:
    """Lowest calibrated score of each tier above `none` (ascending; +inf = unreachable)."""

    values: dict[str, float]
    report: dict[str, dict] = field(default_factory=dict)  # validation figures per tier

    def assign(self, score: np.ndarray) -> np.ndarray:
        """Tier name per score: the highest tier whose threshold the score reaches."""
        ladder = np.array([self.values[t] for t in TIERS[1:]])
        return np.asarray(TIERS, dtype=object)[np.searchsorted(ladder, score, side="right")]

    def to_json(self) -> str:
        values = {t: (None if math.isinf(v) else v) for t, v in self.values.items()}
        return json.dumps({"thresholds": values, "validation": self.report}, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Thresholds":
        data = json.loads(text)
        values = {t: (math.inf if v is None else float(v)) for t, v in data["thresholds"].items()}
        return cls({t: values[t] for t in TIERS[1:]}, data["validation"])


def cap_campaign_only(tier: np.ndarray, own_margin: np.ndarray, campaign_margin: np.ndarray,
                      min_share: float = OWN_EVIDENCE_MIN_SHARE) -> np.ndarray:
    """`tier` with every flag (`FLAGGED_TIERS`) lowered to `monitor` where the account's own
    features add less than `min_share` of what its campaign features add to its score. Both
    margins are sums of SHAP contributions in log-odds: `own_margin` over every feature but
    the campaign ones, `campaign_margin` over those.

    Campaign features are shared by every member, so a customer glued into a hydra's
    campaign gets the hydra's score. On demo seed 11 (2026-03-13), 16 customers were
    queued for suspension review that way, with the hydra's score of 0.961. A ratio, not
    an absolute margin: the models' log-odds scales differ from world to world (an
    absolute 0.05 left 9 of 10 customer rows of seed 13 at `throttle`). Over the flagged
    rows of five demo walks, customers' ratios were at most 0.077, distillers' medians
    0.13 to 0.32.

    The fourth session lowered such rows to `verify` only; since `verify` may now sink
    into convicted campaigns (`choose_thresholds`' `verify_convicted`), a flag resting on
    the campaign alone is no flag at all: the account stays visible at `monitor`.
    """
    tier = np.asarray(tier, dtype=object).copy()
    weak = np.asarray(own_margin) < min_share * np.asarray(campaign_margin)
    tier[np.isin(tier, FLAGGED_TIERS) & weak] = "monitor"
    return tier


def legitimate_weight(investigated: np.ndarray, convicted: np.ndarray) -> np.ndarray:
    """1 for each never-judged validation row presumed legitimate, 0 for the others: judged
    rows (precision among verdicts governs them) and members of a convicted campaign
    (`models.training_set.convicted_by_campaign`: its verdicts speak for them).

    A bound, not an estimate: the never-judged outside convicted campaigns still hold
    distillers nobody has caught, so this errs towards flagging too few. We tried the
    Elkan-Noto estimate (a row is a distiller with probability score / c, c the mean
    score of the judged distillers): on the demo world, whenever calibration squeezed the
    scores, c fell near zero, every never-judged row above it counted as a distiller, and
    `verify` sank to a score of 0.001 that flagged a quarter of legitimate accounts.

    Rank-based estimates do not rescue it either: the budget is about 15 legitimate
    accounts of 5 000 in a demo slice, and the judged accounts cannot resolve that. Among
    the top 200-500 accounts 34-77 are judged, so the benign share among them (90 % upper
    bound, net of wrong verdicts) allows 31-67 legitimate accounts, and the label frequency
    c (the judged share at the top) is known to 10-16 %, i.e. to 30-60 accounts. Replayed
    on 13 demo validation slices (2026-11-29), c from the top taken at face value flagged
    up to 8.6 % of legitimate account-days the next day; with a one-standard-error margin
    it caught 5 % of distiller account-days and one day still flagged 0.37 %.
    """
    return (~(np.asarray(investigated, bool) | np.asarray(convicted, bool))).astype(np.float64)


def choose_thresholds(
    score: np.ndarray,
    label: np.ndarray,
    investigated: np.ndarray,
    targets,
    min_true_positives: int = 3,
    verdict_error_rate: float = VERDICT_ERROR_RATE,
    max_legitimate_flag_share: float = 0.003,
    account: np.ndarray | None = None,
    convicted: np.ndarray | None = None,
    verify_convicted: np.ndarray | None = None,
) -> Thresholds:
    """Thresholds for `targets` (a `config.settings.TierTargets`) on validation scores;
    `account` (one id per row, default: each row its own account) makes the legitimate
    budget count accounts ever flagged in the slice, as the promise does, not account-days;
    `convicted` marks never-judged rows of convicted campaigns (default: none), and
    `verify_convicted` those `verify` alone does not presume legitimate (default:
    `convicted`; see `verify_counts_convictions` in `config.settings.ModelSettings`)."""
    score = np.asarray(score, dtype=np.float64)
    label = np.asarray(label, dtype=np.int64)
    investigated = np.asarray(investigated, dtype=bool)
    account = np.arange(score.size) if account is None else np.asarray(account)
    convicted = np.zeros(score.size, bool) if convicted is None else np.asarray(convicted, bool)
    order = np.argsort(-score, kind="stable")
    ranked = score[order]
    caught, judged = np.cumsum(label[order]), np.cumsum(investigated[order])
    # One candidate per distinct score: "flag everything scoring at least this".
    last_of_run = np.r_[ranked[1:] != ranked[:-1], True]
    cand_score, cand_tp, cand_judged = ranked[last_of_run], caught[last_of_run], judged[last_of_run]

    def bound(not_presumed_legitimate: np.ndarray) -> dict:
        """Per candidate: expected precision over all flagged rows and legitimate accounts
        flagged, with never-judged rows presumed legitimate unless marked."""
        legitimate = legitimate_weight(investigated, not_presumed_legitimate)
        unjudged_distiller = np.where(investigated, 0.0, 1.0 - legitimate)
        flagged, total = _legitimate_accounts_flagged(cand_score, score, legitimate, account)
        return {"legitimate": legitimate, "flagged_legitimate": flagged, "legitimate_total": total,
                "precision": _expected_precision(cand_tp, cand_judged, np.cumsum(unjudged_distiller[order])[last_of_run],
                                                 np.flatnonzero(last_of_run) + 1, verdict_error_rate)}

    def guards(target: float, b: dict) -> dict[str, np.ndarray]:
        """Per candidate, whether each guard lets it through. Precision twice: among verdicts
        (benign verdicts are the look-alikes) and over all flagged rows (`_expected_precision`)."""
        return {
            "verdict_precision": cand_tp >= measured_precision_needed(target, verdict_error_rate) * cand_judged,
            "overall_precision": b["precision"] >= target,
            "min_true_positives": cand_tp >= min_true_positives,
            "legitimate_budget": b["flagged_legitimate"] <= max_legitimate_flag_share * b["legitimate_total"],
        }

    def lowest_passing(passing: np.ndarray) -> float:
        ok = np.flatnonzero(passing)
        if not ok.size:
            return math.inf
        # Raise to the lowest score that still catches as many verdicts.
        return float(cand_score[np.searchsorted(cand_tp, cand_tp[ok[-1]], side="left")])

    def recall_at(threshold: float) -> float:
        return int(label[score >= threshold].sum()) / max(int(label.sum()), 1)

    strict = bound(convicted)
    verify = strict if verify_convicted is None else bound(np.asarray(verify_convicted, bool) | convicted)
    bounds = {"verify": verify, "throttle": strict, "suspend_review": strict}
    precision_tiers = {"verify": targets.verify, "throttle": targets.throttle,
                       "suspend_review": targets.suspend_review}
    tier_guards = {tier: guards(target, bounds[tier]) for tier, target in precision_tiers.items()}
    values = {tier: lowest_passing(np.logical_and.reduce(list(g.values()))) for tier, g in tier_guards.items()}
    capacity = max(math.ceil(targets.monitor_capacity * score.size), 1)
    values["monitor"] = min(float(ranked[min(capacity, score.size) - 1]), values["verify"])
    values = {t: values[t] for t in TIERS[1:]}
    report = _report(score, label, investigated, {t: bounds.get(t, strict)["legitimate"] for t in values}, values)
    for tier, target in precision_tiers.items():
        b = bounds[tier]
        report[tier]["precision_needed"] = measured_precision_needed(target, verdict_error_rate)
        ok = cand_score >= values[tier]
        report[tier]["expected_legitimate_account_share"] = (
            float(b["flagged_legitimate"][ok][-1] / max(b["legitimate_total"], 1e-12)) if ok.any() else 0.0)
        report[tier]["expected_precision"] = float(b["precision"][ok][-1]) if ok.any() else None
        # What each guard costs: the recall of verdicts were it alone lifted. A model owner
        # reads here which guard closed a tier, and by how much.
        g = tier_guards[tier]
        report[tier]["recall_if_lifted"] = {
            name: recall_at(lowest_passing(np.logical_and.reduce([m for n, m in g.items() if n != name])))
            for name in g}
    return Thresholds(values, report)


def _expected_precision(tp, judged, unjudged_distillers, flagged, verdict_error_rate: float) -> np.ndarray:
    """Expected true precision over all flagged rows: the judged ones' measured precision
    corrected for wrong verdicts (inverse of `measured_precision_needed`), plus the
    never-judged members of convicted campaigns."""
    measured = np.divide(tp, judged, out=np.zeros(len(tp)), where=judged > 0)
    true = np.clip((measured - verdict_error_rate) / (1 - 2 * verdict_error_rate), 0.0, 1.0)
    return (true * judged + unjudged_distillers) / flagged


def _legitimate_accounts_flagged(
    cand_score: np.ndarray, score: np.ndarray, legitimate: np.ndarray, account: np.ndarray
) -> tuple[np.ndarray, float]:
    """Expected legitimate accounts flagged at least once at each candidate threshold, and
    expected legitimate accounts in all. An account is flagged by its highest-scoring row,
    and is as legitimate as that row says."""
    by_score = np.lexsort((-score, account))  # per account, its highest score first
    first = np.r_[True, account[by_score][1:] != account[by_score][:-1]]
    top = by_score[first]
    desc = np.argsort(-score[top], kind="stable")
    top_score, top_legitimate = score[top][desc], np.cumsum(legitimate[top][desc])
    flagged = np.searchsorted(-top_score, -cand_score, side="right")
    return np.where(flagged > 0, top_legitimate[np.maximum(flagged - 1, 0)], 0.0), float(top_legitimate[-1])


def _report(score, label, investigated, legitimate: dict[str, np.ndarray], values: dict[str, float]) -> dict[str, dict]:
    benign = investigated & (label == 0)
    unlabeled = ~investigated
    report = {}
    for tier, threshold in values.items():
        flagged = score >= threshold
        judged = int((flagged & investigated).sum())
        report[tier] = {
            "flagged_rows": int(flagged.sum()),
            "precision_among_verdicts": int(label[flagged].sum()) / judged if judged else None,
            "recall": int(label[flagged].sum()) / max(int(label.sum()), 1),
            "benign_share": int((flagged & benign).sum()) / max(int(benign.sum()), 1),
            "unlabeled_share": int((flagged & unlabeled).sum()) / max(int(unlabeled.sum()), 1),
            "expected_legitimate_share": float(legitimate[tier][flagged].sum() / max(legitimate[tier].sum(), 1e-12)),
        }
    return report
