"""How ingest's tables are stored (`pipelines.io.write_table`): the clean usage holds its
repeated text dictionary-encoded in memory, and every reader must still get plain strings."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.io import ROW_GROUP_ROWS, read_table, write_table


def test_dictionary_columns_are_read_back_as_their_values_type(tmp_path):
    ts = pa.array([dt.datetime(2026, 3, 2, 12, tzinfo=dt.timezone.utc)] * 3, pa.timestamp("us", tz="UTC"))
    table = pa.table({"topic": pa.array(["math", "coding", "math"]).dictionary_encode(),
                      "status": pa.array([200, 429, 200], pa.int16()), "ts": ts})
    write_table(table, tmp_path / "usage")
    back = read_table(tmp_path / "usage")
    assert back.schema == pa.schema([("topic", pa.string()), ("status", pa.int16()),
                                     ("ts", pa.timestamp("us", tz="UTC"))])
    assert back.column("topic").to_pylist() == ["math", "coding", "math"]
    assert pq.read_table(tmp_path / "usage" / "part-0.parquet").to_pandas()["topic"].dtype == object


def test_table_without_dictionary_keeps_its_arrow_schema(tmp_path):
    table = pa.table({"text": pa.array(["a", "b"], pa.large_string())})
    write_table(table, tmp_path / "t")
    assert read_table(tmp_path / "t").schema.field("text").type == pa.large_string()


def test_dictionary_table_with_a_type_parquet_cannot_restore_is_refused(tmp_path):
    table = pa.table({"topic": pa.array(["math"]).dictionary_encode(),
                      "text": pa.array(["a"], pa.large_string())})
    with pytest.raises(TypeError, match="cannot restore"):
        write_table(table, tmp_path / "t")
    assert not (tmp_path / "t").exists() and not (tmp_path / "t.tmp").exists()


def test_dictionary_columns_are_stored_without_statistics(tmp_path):
    """Statistics of a dictionary column cost the writer a unique and a take per chunk."""
    table = pa.table({"topic": pa.array(["math", "coding"]).dictionary_encode(),
                      "status": pa.array([429, 200], pa.int16())})
    write_table(table, tmp_path / "usage")
    chunks = pq.ParquetFile(tmp_path / "usage" / "part-0.parquet").metadata.row_group(0)
    assert chunks.column(0).statistics is None
    assert (chunks.column(1).statistics.min, chunks.column(1).statistics.max) == (200, 429)


def test_large_tables_are_split_into_row_groups_duckdb_can_share_between_threads(tmp_path):
    rows = 2 * ROW_GROUP_ROWS + 5
    write_table(pa.table({"n": pa.array(range(rows), pa.int32())}), tmp_path / "t")
    meta = pq.ParquetFile(tmp_path / "t" / "part-0.parquet").metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [ROW_GROUP_ROWS, ROW_GROUP_ROWS, 5]
