"""Drift checks: PSI against the trailing days, warn at psi_warn, error at psi_fail."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import dagster as dg

from models.drift import psi
from pipelines.checks import drift
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


def _scores(settings, day: dt.date, values: np.ndarray) -> None:
    write_table(pd.DataFrame({"risk_score": values}), settings.warehouse_day("scores", day))


def test_stable_scores_pass(settings):
    rng = np.random.default_rng(1)
    for back in range(1, 8):
        _scores(settings, DAY - dt.timedelta(days=back), rng.beta(1, 20, 2_000))
    _scores(settings, DAY, rng.beta(1, 20, 2_000))
    result = drift(settings, "scores", DAY, ["risk_score"])
    assert result.passed and result.metadata["reference_days"].value == 7


def test_shifted_scores_fail_with_error(settings):
    rng = np.random.default_rng(2)
    for back in range(1, 4):
        _scores(settings, DAY - dt.timedelta(days=back), rng.beta(1, 20, 2_000))
    _scores(settings, DAY, rng.beta(5, 5, 2_000))
    result = drift(settings, "scores", DAY, ["risk_score"])
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert result.metadata["worst_psi"].value >= settings.psi_fail


def test_no_reference_yet_passes(settings):
    _scores(settings, DAY, np.linspace(0, 1, 50))
    assert drift(settings, "scores", DAY, ["risk_score"]).passed
