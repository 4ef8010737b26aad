"""Settings under tmp paths (never the demo's stores), and the `tiny` world, simulated once and
run up to its first published day."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import Settings, load_settings


def make_settings(root: Path, raw: Path | None = None) -> Settings:
    return load_settings(env={}, raw_root=raw or root / "raw", out_root=root / "out",
                         dagster_home=root / "dagster_home")


@pytest.fixture(scope="session")
def tiny_raw(tmp_path_factory) -> Path:
    from simulation import simulate

    raw = tmp_path_factory.mktemp("tiny") / "raw"
    simulate("tiny", raw, seed=7, progress=False)
    return raw


@pytest.fixture
def settings(tmp_path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture(scope="session")
def first_published_day(tiny_raw, tmp_path_factory):
    """The tiny world walked day by day up to its first published day (its first champion):
    what the UIs show, on a private Dagster home and MLflow store. Returns (settings, day)."""
    from pipelines.walk import plan_days, walk_days

    settings = make_settings(tmp_path_factory.mktemp("first_published_day"), raw=tiny_raw)
    for day in plan_days(settings, None, None):
        if walk_days(settings, day, day) == {"published": 1}:
            return settings, day
    pytest.fail("no day of the tiny world was published")
