"""Point-in-time training set for a cutoff day T.

A row is an account-day of features with `feature_date <= T`; its label is the account's
verdict as decided by the end of T. Nothing decided later, and no feature row of a later
day, may reach it: the training set for T is what production could have built on T.

Positive-unlabeled: most accounts are never investigated, so "no verdict" is not "benign".
We treat the unlabeled as negatives with a low weight (`unlabeled_weight`): they are
mostly legitimate, but some are distillers nobody has caught yet, and a full weight would
teach the model to score those down. Benign verdicts keep full weight (or more): they are
the investigated look-alikes (benchmark runners, data vendors, classes) and the only rows
that say "this pattern is legitimate" with authority.

Validation is split off in time *and* by account: the last `validation_days` before T (half
the history while it is shorter than twice that), of a fixed share of accounts (by a hash of the id) that training never sees. A verdict is an
account's, so its rows repeat it day after day: a model validated on accounts it trained on
ranks the already-judged ones first, and every threshold chosen on it looks far better than
it is on the accounts nobody has judged yet, which are the ones that matter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.catalogue import model_feature_names

DISTILLATION, BENIGN, UNLABELED = "distillation", "benign", "unlabeled"
TRAIN, VALIDATION, UNUSED = "train", "validation", "unused"


def held_out(account_id: pd.Series, share: float) -> np.ndarray:
    """Whether each account is held out for validation: a stable hash, so an account stays
    on one side at every cutoff and on every machine."""
    accounts = pd.unique(account_id)
    buckets = [int.from_bytes(hashlib.sha256(a.encode()).digest()[:4], "big") % 1000 for a in accounts]
    held = pd.Series(np.array(buckets) < share * 1000, index=accounts)
    return held.reindex(account_id).to_numpy()


@dataclass(frozen=True)
class TrainingSet:
    """Rows (features + `verdict`, `label` (a distillation verdict), `target` (what the model
    learns: `label` or a convicted campaign), `weight`, `split`): `train` rows are days before
    `validation_start` of training accounts, `validation` rows days from it of held-out
    accounts; the other rows (`unused`) would leak one side into the other."""

    cutoff: dt.date
    rows: pd.DataFrame
    validation_start: dt.date
    feature_names: tuple[str, ...]

    @property
    def train(self) -> pd.DataFrame:
        return self.rows[self.rows["split"] == TRAIN]

    @property
    def validation(self) -> pd.DataFrame:
        """The last days before T, labels as known at T: early stopping, calibration, tiers."""
        return self.rows[self.rows["split"] == VALIDATION]

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        return frame[list(self.feature_names)].to_numpy(np.float64)

    def summary(self) -> dict:
        """What the model was taught from, for the MLflow run."""
        def counts(frame: pd.DataFrame) -> dict:
            by_verdict = frame.groupby("verdict")["account_id"]
            return {
                "rows": int(len(frame)),
                "accounts": int(frame["account_id"].nunique()),
                "rows_by_verdict": {k: int(v) for k, v in by_verdict.size().items()},
                "accounts_by_verdict": {k: int(v) for k, v in by_verdict.nunique().items()},
                "first_day": str(frame["feature_date"].min()),
                "last_day": str(frame["feature_date"].max()),
            }

        return {
            "cutoff": self.cutoff.isoformat(),
            "validation_start": self.validation_start.isoformat(),
            "train": counts(self.train),
            "validation": counts(self.validation),
            "unused_rows": int((self.rows["split"] == UNUSED).sum()),
        }


def verdicts_as_of(labels: pd.DataFrame, cutoff: dt.date) -> pd.Series:
    """account_id -> the latest verdict decided by the end of `cutoff` (UTC).

    A later verdict on the same account (a reopened case) overrides an earlier one; ties on
    `decided_at` are broken by `case_id` so the result never depends on row order.
    """
    decided = pd.to_datetime(labels["decided_at"], utc=True)
    end_of_day = pd.Timestamp(cutoff + dt.timedelta(days=1), tz="UTC")
    known = labels.assign(_decided=decided)[decided < end_of_day]
    latest = known.sort_values(["account_id", "_decided", "case_id"]).groupby("account_id").tail(1)
    return latest.set_index("account_id")["decision"]


def convicted_by_campaign(rows: pd.DataFrame, min_verdicts: int | None, verdict_share: float) -> np.ndarray:
    """Never-judged rows whose campaign that day is convicted: at least `min_verdicts` of its
    members carry a distillation verdict and they are at least `verdict_share` of its
    judged members. `min_verdicts=None` convicts nobody (the shipped default, see
    `config.settings.ModelSettings.campaign_conviction`).

    The model learns from verdicts, and in a hydra of thousands the judged few stand for
    the rest: counted as negatives, the unjudged members would teach the model that a
    convicted campaign's accounts are mostly legitimate, and its score would sit at the
    share of them trust and safety happened to judge. The campaign's own verdicts decide,
    as known at the cutoff, so this adds no label from the future. A benign verdict among
    the members (a class or a company wrongly linked) keeps a campaign from conviction.
    """
    if min_verdicts is None:
        return np.zeros(len(rows), bool)
    verdict = rows["verdict"].to_numpy()
    judged = rows.loc[rows["campaign_id"].notna() & (verdict != UNLABELED),
                      ["feature_date", "campaign_id", "account_id", "verdict"]].drop_duplicates()
    if judged.empty:
        return np.zeros(len(rows), bool)
    counts = pd.crosstab([judged["feature_date"], judged["campaign_id"]], judged["verdict"])
    distilled = counts.get(DISTILLATION, pd.Series(0, index=counts.index))
    benign = counts.get(BENIGN, pd.Series(0, index=counts.index))
    convicted = counts.index[(distilled >= min_verdicts) & (distilled >= verdict_share * (distilled + benign))]
    key = pd.MultiIndex.from_frame(rows[["feature_date", "campaign_id"]])
    return key.isin(convicted) & (verdict == UNLABELED)


def build_training_set(
    features: pd.DataFrame,
    labels: pd.DataFrame,
    cutoff: dt.date,
    validation_days: int = 7,
    validation_share: float = 0.3,
    unlabeled_weight: float = 0.2,
    benign_weight: float = 1.0,
    campaign_min_verdicts: int | None = 3,
    campaign_verdict_share: float = 0.9,
    campaign_weight: float = 0.5,
) -> TrainingSet:
    """Training rows for cutoff T: feature days <= T, verdicts decided by the end of T;
    `target` adds the members of convicted campaigns (`convicted_by_campaign`)."""
    names = tuple(model_feature_names())
    days = pd.to_datetime(features["feature_date"]).dt.date
    rows = features.loc[days <= cutoff, ["feature_date", "account_id", "campaign_id", *names]].copy()
    rows["feature_date"] = pd.to_datetime(rows["feature_date"]).dt.date
    rows = rows.sort_values(["feature_date", "account_id"], kind="stable").reset_index(drop=True)

    verdict = rows["account_id"].map(verdicts_as_of(labels, cutoff)).fillna(UNLABELED)
    rows["verdict"] = verdict
    rows["label"] = (verdict == DISTILLATION).astype(np.int8)
    by_campaign = convicted_by_campaign(rows, campaign_min_verdicts, campaign_verdict_share)
    rows["target"] = (rows["label"].astype(bool) | by_campaign).astype(np.int8)
    rows["weight"] = np.select(
        [verdict == DISTILLATION, verdict == BENIGN, by_campaign],
        [1.0, benign_weight, campaign_weight], unlabeled_weight,
    )

    distinct_days = sorted(rows["feature_date"].unique())
    if len(distinct_days) < 2:
        raise ValueError(
            f"{len(distinct_days)} feature day(s) up to {cutoff}: need 2, one to train on and "
            f"one to validate on"
        )
    # While history is short the slice shrinks (to half of it, at least a day): a first
    # model as soon as verdicts allow, and a full week of validation once there is one.
    validation_start = distinct_days[-min(validation_days, max(len(distinct_days) // 2, 1))]
    recent, holdout = rows["feature_date"] >= validation_start, held_out(rows["account_id"], validation_share)
    rows["split"] = np.select([~recent & ~holdout, recent & holdout], [TRAIN, VALIDATION], UNUSED)
    return TrainingSet(cutoff, rows, validation_start, names)
