"""The engine connection honours the settings."""

import datetime as dt

import ibis
import pyarrow as pa
import pytest

from config.settings import Settings
from features.engine import connect, unix_micros


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


def test_unix_micros_reads_the_timestamp_integer():
    ts = dt.datetime(2026, 3, 10, 1, 2, 3, 456789, tzinfo=dt.timezone.utc)
    table = ibis.memtable(pa.table({"ts": pa.array([ts], pa.timestamp("us", tz="UTC"))}))
    got = connect(Settings()).to_pyarrow(table.select(us=unix_micros(table.ts))).column("us")
    assert got.to_pylist() == [1_773_104_523_456_789]
