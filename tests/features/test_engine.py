"""The engine connection honours the settings."""

import pytest

from config.settings import Settings
from features.engine import connect


def test_duckdb_gets_threads_and_memory_limit():
    con = connect(Settings(threads=1, duckdb_memory_limit="512MB"))
    threads, memory = con.raw_sql(
        "select current_setting('threads'), current_setting('memory_limit')"
    ).fetchone()
    assert threads == 1
    assert memory == "488.2 MiB"  # DuckDB reads "MB" as 10**6 bytes and shows MiB


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="unknown engine"):
        connect(Settings(engine="polars"))
