"""Settings under tmp paths (never the demo's stores), and the `tiny` world, simulated once."""

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
