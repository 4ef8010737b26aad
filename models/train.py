"""Deterministic LightGBM on a point-in-time training set, then calibration and tiers.

Same data, settings and code give the same trees: fixed seed, `deterministic`, row-wise
histograms and a fixed thread count. Early stopping, calibration and tier thresholds all
use the validation slice (the last days before the cutoff), never the training days.
"""

from __future__ import annotations

from dataclasses import dataclass

import lightgbm as lgb
import numpy as np

from features.catalogue import categorical_feature_names
from models.calibration import Calibrator, fit_platt
from models.metrics import evaluate
from models.tiers import Thresholds, choose_thresholds
from models.training_set import UNLABELED, VALIDATION, TrainingSet, convicted_by_campaign


@dataclass(frozen=True)
class TrainedModel:
    booster: lgb.Booster
    calibrator: Calibrator
    thresholds: Thresholds
    metrics: dict[str, float]  # on the validation slice, calibrated scores
    validation_score: np.ndarray  # calibrated, in the validation slice's row order
    typical: dict[str, float]  # feature -> median of legitimate-looking training rows
    params: dict
    training_set: TrainingSet

    @property
    def feature_names(self) -> list[str]:
        return list(self.training_set.feature_names)


def lightgbm_params(settings) -> dict:
    return {
        "objective": "binary",
        "metric": "average_precision",
        "learning_rate": 0.05,
        "num_leaves": 31,
        "min_data_in_leaf": 20,
        "feature_fraction": 0.9,
        "lambda_l2": 1.0,
        "seed": settings.seed,
        "deterministic": True,
        "force_row_wise": True,
        "num_threads": settings.threads,
        "verbosity": -1,
    }


def typical_values(training_set: TrainingSet) -> dict[str, float]:
    """Per-feature median of training rows without a distillation verdict: the "typical"
    an investigator reads a reason against. Categories have no median and are left out."""
    legit = training_set.train[training_set.train["label"] == 0]
    numeric = [n for n in training_set.feature_names if n not in categorical_feature_names()]
    return {name: float(value) for name, value in legit[numeric].median().items()}


def train(
    training_set: TrainingSet,
    settings,
    num_boost_round: int = 500,
    early_stopping_rounds: int = 30,
) -> TrainedModel:
    """Fit, early-stop, calibrate and choose tier thresholds for one cutoff
    (`settings.model`: verdict error rate, legitimate flag budget, see `models.tiers`)."""
    train_rows, valid_rows = training_set.train, training_set.validation
    if valid_rows["label"].sum() == 0 or train_rows["label"].sum() == 0:
        raise ValueError(
            f"cutoff {training_set.cutoff}: need distillation verdicts in both the training "
            f"days and the validation slice"
        )
    names = list(training_set.feature_names)
    categorical = [n for n in names if n in categorical_feature_names()]
    params = lightgbm_params(settings)
    dtrain = lgb.Dataset(
        training_set.matrix(train_rows), train_rows["target"].to_numpy(),
        weight=train_rows["weight"].to_numpy(), feature_name=names,
        categorical_feature=categorical, free_raw_data=False,
    )
    # Validation rows count at full weight: it stands for the population the tiers act on.
    dvalid = dtrain.create_valid(training_set.matrix(valid_rows), valid_rows["target"].to_numpy())
    booster = lgb.train(
        params, dtrain, num_boost_round=num_boost_round, valid_sets=[dvalid],
        callbacks=[lgb.early_stopping(early_stopping_rounds, verbose=False)],
    )
    label = valid_rows["label"].to_numpy()
    investigated = (valid_rows["verdict"] != UNLABELED).to_numpy()
    margin = booster.predict(training_set.matrix(valid_rows), raw_score=True)
    # Calibrated on what the model learns (verdicts and convicted campaigns); tiers and
    # metrics below judge it against verdicts only.
    calibrator = fit_platt(margin, valid_rows["target"].to_numpy())
    score = calibrator(margin)
    return TrainedModel(
        booster=booster,
        calibrator=calibrator,
        thresholds=tier_thresholds(training_set, score, settings),
        metrics=evaluate(label, score, investigated, verdict_error_rate=settings.model.verdict_error_rate),
        validation_score=score,
        typical=typical_values(training_set),
        params={**params, "num_boost_round": num_boost_round,
                "early_stopping_rounds": early_stopping_rounds,
                "best_iteration": booster.best_iteration},
        training_set=training_set,
    )


def tier_thresholds(training_set: TrainingSet, score: np.ndarray, settings) -> Thresholds:
    """Tier thresholds on the validation slice's calibrated `score` (`models.tiers`).

    Never-judged rows the model learns as distillers (campaign conviction) are not presumed
    legitimate by any tier; with `verify_counts_convictions`, those of every convicted
    campaign are not presumed legitimate by `verify`, whether or not the model learns
    from them, once the slice spans `verify_convictions_min_days` days. A campaign is
    judged on all its members that day, not only the slice's."""
    valid, model = training_set.validation, settings.model
    verify_convicted = None
    full = valid["feature_date"].nunique() >= model.verify_convictions_min_days
    if model.verify_counts_convictions and full:
        everyone = convicted_by_campaign(training_set.rows, model.campaign_min_verdicts, model.campaign_verdict_share)
        verify_convicted = everyone[(training_set.rows["split"] == VALIDATION).to_numpy()]
    return choose_thresholds(
        score, valid["label"].to_numpy(), (valid["verdict"] != UNLABELED).to_numpy(), settings.tiers,
        min_true_positives=model.min_true_positives,
        verdict_error_rate=model.verdict_error_rate,
        max_legitimate_flag_share=model.max_legitimate_flag_share,
        account=valid["account_id"].to_numpy(),
        convicted=(valid["target"].astype(bool) & ~valid["label"].astype(bool)).to_numpy(),
        verify_convicted=verify_convicted,
    )
