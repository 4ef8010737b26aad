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
  into a crowd of never-judged accounts; verify or above may flag at most
  `max_unlabeled_share` of the unlabeled rows. The unlabeled stand in for legitimate
  accounts (the product promises <= 0.3 % of them at verify or above); some are distillers
  nobody has judged yet, so this cap errs towards flagging too few, never too many;
- a tier needs at least `min_true_positives` distillation rows caught within these limits;
  if no threshold manages that, the tier is unreachable (threshold +inf, `null` in JSON):
  nobody enters it, rather than a useless low threshold.
The report stored with the thresholds gives, per tier, the precision among verdicts, the
recall of verdicts, and the share of benign and of unlabeled rows flagged.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np

TIERS = ("none", "monitor", "verify", "throttle", "suspend_review")
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


def choose_thresholds(
    score: np.ndarray,
    label: np.ndarray,
    investigated: np.ndarray,
    targets,
    min_true_positives: int = 3,
    verdict_error_rate: float = VERDICT_ERROR_RATE,
    max_unlabeled_share: float = 0.003,
) -> Thresholds:
    """Thresholds for `targets` (a `config.settings.TierTargets`) on validation scores."""
    score = np.asarray(score, dtype=np.float64)
    label = np.asarray(label, dtype=np.int64)
    investigated = np.asarray(investigated, dtype=bool)
    order = np.argsort(-score, kind="stable")
    ranked = score[order]
    caught, judged = np.cumsum(label[order]), np.cumsum(investigated[order])
    # One candidate per distinct score: "flag everything scoring at least this".
    last_of_run = np.r_[ranked[1:] != ranked[:-1], True]
    cand_score, cand_tp, cand_judged = ranked[last_of_run], caught[last_of_run], judged[last_of_run]
    cand_unlabeled = np.flatnonzero(last_of_run) + 1 - cand_judged
    few_unlabeled = cand_unlabeled <= max_unlabeled_share * int((~investigated).sum())

    def lowest_reaching(target: float) -> float:
        needed = measured_precision_needed(target, verdict_error_rate)
        ok = np.flatnonzero((cand_tp >= needed * cand_judged) & (cand_tp >= min_true_positives) & few_unlabeled)
        if not ok.size:
            return math.inf
        # Raise to the lowest score that still catches as many verdicts.
        return float(cand_score[np.searchsorted(cand_tp, cand_tp[ok[-1]], side="left")])

    precision_tiers = {"verify": targets.verify, "throttle": targets.throttle,
                       "suspend_review": targets.suspend_review}
    values = {tier: lowest_reaching(target) for tier, target in precision_tiers.items()}
    capacity = max(math.ceil(targets.monitor_capacity * score.size), 1)
    values["monitor"] = min(float(ranked[min(capacity, score.size) - 1]), values["verify"])
    values = {t: values[t] for t in TIERS[1:]}
    report = _report(score, label, investigated, values)
    for tier, target in precision_tiers.items():
        report[tier]["precision_needed"] = measured_precision_needed(target, verdict_error_rate)
    return Thresholds(values, report)


def _report(score, label, investigated, values: dict[str, float]) -> dict[str, dict]:
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
        }
    return report
