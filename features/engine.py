"""The query engine behind every feature expression: DuckDB by default, PySpark on request.

Features are Ibis expressions, so the engine is a connection choice, not a code path. DuckDB
runs the daily batch on one machine within the thread and memory budget of `Settings`;
PySpark (local mode here) proves the same expressions would run on a cluster.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
from ibis.backends import BaseBackend

from config.settings import Settings


@ibis.udf.scalar.builtin
def unix_micros(ts: dt.Timestamp(timezone="UTC")) -> dt.int64:
    """Microseconds since 1970: Spark's `unix_micros`, DuckDB's `epoch_us` (SQLGlot renames
    it). Reads the timestamp's integer, where Ibis's date parts and epoch seconds first cast
    a time zone-aware timestamp to a naive one, a calendar lookup per row on DuckDB."""


DAY_MS = 86_400_000


def epoch_ms(ts: ibis.TimestampValue) -> ibis.IntegerValue:
    """Whole milliseconds since 1970 of a UTC timestamp (sub-millisecond digits dropped)."""
    return unix_micros(ts) // 1000


def connect(settings: Settings) -> BaseBackend:
    """A fresh Ibis backend for `settings.engine` ("duckdb" or "pyspark")."""
    if settings.engine == "duckdb":
        return ibis.duckdb.connect(
            threads=settings.threads, memory_limit=settings.duckdb_memory_limit
        )
    if settings.engine == "pyspark":
        return ibis.pyspark.connect(_spark_session(settings))
    raise ValueError(f"unknown engine {settings.engine!r}; expected 'duckdb' or 'pyspark'")


def _spark_session(settings: Settings):
    """A local Spark session sized for one machine; UTC, so hours mean UTC hours as in DuckDB."""
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master("local[2]")
        .appName("distillguard")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.shuffle.partitions", str(max(2, settings.threads)))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
        .getOrCreate()
    )
