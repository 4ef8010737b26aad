"""A small synthetic account-features table with a planted signal, and its verdicts.

Distillers ask for step-by-step reasoning in single-turn requests; look-alikes (benchmark
runners, classes) ask for reasoning too but in conversations, and most carry benign
verdicts. Verdicts arrive over the month, so an early cutoff sees only part of them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from config.settings import Settings
from features.catalogue import categorical_feature_names, feature, model_feature_names

START = dt.date(2026, 3, 1)
DAYS = 28
N_ACCOUNTS = 300


def day(i: int) -> dt.date:
    return START + dt.timedelta(days=i)


@pytest.fixture(name="day", scope="session")
def day_fixture():
    """Day i of the synthetic month (a function: tests name days by number)."""
    return day


def _world(seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    kind = rng.choice(["legit", "distiller", "lookalike"], size=N_ACCOUNTS, p=[0.75, 0.15, 0.10])
    accounts = np.array([f"acc{i:04d}" for i in range(N_ACCOUNTS)])
    frames = []
    for d in range(DAYS):
        n = N_ACCOUNTS
        cols = {name: rng.gamma(2.0, 1.0, n) for name in model_feature_names()}
        for name in categorical_feature_names():
            cols[name] = rng.integers(0, len(feature(name).categories), n).astype(np.float64)
        reasoning = np.where(kind == "legit", rng.uniform(0, 0.3, n), rng.uniform(0.5, 1.0, n))
        single = np.where(kind == "distiller", rng.uniform(0.6, 1.0, n), rng.uniform(0.0, 0.5, n))
        cols["cot_share_7d"], cols["single_turn_share_7d"] = reasoning, single
        frames.append(pd.DataFrame({
            "feature_date": np.full(n, day(d)),
            "account_id": accounts,
            "campaign_id": None,
            **cols,
        }))
    features = pd.concat(frames, ignore_index=True)
    features["feature_date"] = pd.to_datetime(features["feature_date"]).dt.date

    cases = []
    for i, (account, k) in enumerate(zip(accounts, kind)):
        # Every distiller is judged by day 26 (so the last cutoff's holdout is fully
        # judged and the gate compares models, not luck); most only after day 20.
        investigated = {"distiller": 1.0, "lookalike": 0.8, "legit": 0.02}[k]
        if rng.random() < investigated:
            opened = pd.Timestamp(day(int(rng.integers(0, 17))), tz="UTC") + pd.Timedelta(hours=9)
            decided = opened + pd.Timedelta(days=int(rng.integers(1, 10)), hours=int(rng.integers(0, 12)))
            cases.append({
                "case_id": f"case{i:04d}", "account_id": account, "opened_at": opened,
                "decided_at": decided, "decision": "distillation" if k == "distiller" else "benign",
                "source": "manual_review",
            })
    return features, pd.DataFrame(cases)


@pytest.fixture(scope="session")
def world() -> tuple[pd.DataFrame, pd.DataFrame]:
    return _world()


def make_settings(out_root) -> Settings:
    return Settings(out_root=out_root, threads=1)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return make_settings(tmp_path / "out")


def shuffled(training_set, seed: int = 0):
    """The same rows with verdicts dealt at random: a model that learns nothing true."""
    rows = training_set.rows.copy()
    order = np.random.default_rng(seed).permutation(len(rows))
    for col in ("verdict", "label", "target", "weight"):
        rows[col] = rows[col].to_numpy()[order]
    return dataclasses.replace(training_set, rows=rows)


@pytest.fixture(scope="session")
def registry(world, tmp_path_factory):
    """One registry with a history: v1 promoted (cutoff day 20), v2 trained on shuffled
    verdicts and refused (day 24), v3 promoted (day 27)."""
    from models.registry import promote_if_better, register
    from models.train import train
    from models.training_set import build_training_set

    features, labels = world
    settings = make_settings(tmp_path_factory.mktemp("out"))
    history = {}
    for number, (cutoff, degrade) in enumerate([(day(20), False), (day(24), True), (day(27), False)], 1):
        good = build_training_set(features, labels, cutoff)
        trained = train(shuffled(good) if degrade else good, settings)
        version = register(trained, settings, cutoff)
        decision = promote_if_better(version, good.validation, settings)
        history[number] = {"version": version, "decision": decision, "cutoff": cutoff}
    return settings, history
