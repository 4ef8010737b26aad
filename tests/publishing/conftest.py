"""A Settings under tmp_path for every publishing test."""

from __future__ import annotations

import pytest

from config.settings import Settings


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(raw_root=tmp_path / "raw", out_root=tmp_path / "out")
