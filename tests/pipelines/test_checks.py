"""Drift checks: PSI against the trailing days, warn at psi_warn, error at psi_fail."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import dagster as dg

from models.drift import psi
from pipelines.checks import drift, same_champion_days, settled_feature_days
from pipelines.io import write_table

DAY = dt.date(2026, 3, 9)


def test_psi_known_answers():
    rng = np.random.default_rng(0)
    reference = rng.normal(size=20_000)
    assert psi(reference, reference) == 0.0
    assert psi(reference, rng.normal(size=20_000)) < 0.01
    assert psi(reference, rng.normal(1.0, 1.0, 20_000)) > 0.25
    assert psi(np.zeros(100), np.ones(100)) > 0.25  # a constant reference still has two bins
    assert np.isnan(psi([], [1.0]))


def _scores(settings, day: dt.date, values: np.ndarray, version: str = "1") -> None:
    frame = pd.DataFrame({"risk_score": values, "model_version": version})
    write_table(frame, settings.warehouse_day("scores", day))


def _score_drift(settings, day: dt.date):
    return drift(settings, "scores", day, ["risk_score"], same_champion_days(settings, day))


def test_stable_scores_pass(settings):
    rng = np.random.default_rng(1)
    for back in range(1, 8):
        _scores(settings, DAY - dt.timedelta(days=back), rng.beta(1, 20, 2_000))
    _scores(settings, DAY, rng.beta(1, 20, 2_000))
    result = _score_drift(settings, DAY)
    assert result.passed and result.metadata["reference_days"].value == 7


def test_shifted_scores_fail_with_error(settings):
    rng = np.random.default_rng(2)
    for back in range(1, 4):
        _scores(settings, DAY - dt.timedelta(days=back), rng.beta(1, 20, 2_000))
    _scores(settings, DAY, rng.beta(5, 5, 2_000))
    result = _score_drift(settings, DAY)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert result.metadata["worst_psi"].value >= settings.psi_fail


def test_a_new_champion_is_not_drift_until_it_has_its_own_history(settings):
    rng = np.random.default_rng(3)
    for back in range(1, 8):
        _scores(settings, DAY - dt.timedelta(days=back), rng.beta(1, 20, 2_000), version="1")
    _scores(settings, DAY, rng.beta(5, 5, 2_000), version="2")
    result = _score_drift(settings, DAY)
    assert result.passed and "warming up" in result.description


def test_no_reference_yet_passes_and_says_so(settings):
    _scores(settings, DAY, np.linspace(0, 1, 50))
    result = _score_drift(settings, DAY)
    assert result.passed and "warming up: 0 comparable days" in result.description


def _feature_day(settings, day: dt.date, values: np.ndarray) -> None:
    write_table(pd.DataFrame({"x": [1]}), settings.warehouse_day("account_day", day))
    write_table(pd.DataFrame({"requests_7d": values}), settings.warehouse_day("features", day))


def test_feature_days_count_only_once_their_window_is_full(settings):
    rng = np.random.default_rng(4)
    first = DAY - dt.timedelta(days=9)  # windows are full from first + 6 = DAY - 3 on
    for i in range(10):
        _feature_day(settings, first + dt.timedelta(days=i), rng.poisson(5, 1_000).astype(float))
    reference = settled_feature_days(settings, DAY)
    assert reference == [DAY - dt.timedelta(days=k) for k in (3, 2, 1)]
    assert settled_feature_days(settings, DAY - dt.timedelta(days=4)) == []  # D's own window not full
