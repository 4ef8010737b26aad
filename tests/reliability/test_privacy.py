"""No address in clear leaves ingest: every file the tiny run wrote (outputs, warehouse,
DuckDB mirror, MLflow store and artifacts, reports), the Dagster home (event logs, compute
logs) and the run's own stdout/stderr are searched for every `ip` and `signup_ip` value of
the input."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

# Runs of the characters an address is written with; an address in any text or binary
# container is one such run, or one with a trailing dot or a `:port`.
RUN = re.compile(rb"[0-9A-Za-z.:]{2,}")
ADDRESS_LIKE = re.compile(r"[0-9A-Fa-f.:]*[.:][0-9A-Fa-f.:]*")


def input_addresses(raw: Path) -> set[bytes]:
    values = set()
    for path in (raw / "usage_logs").glob("date=*/*.parquet"):
        values |= set(pq.read_table(path, columns=["ip"]).column("ip").to_pylist())
    values |= set(pq.read_table(raw / "accounts" / "accounts.parquet", columns=["signup_ip"])
                  .column("signup_ip").to_pylist())
    # Address-shaped values, malformed ones included; not words such as "unknown", nor
    # ones short enough ("::1") to match unrelated text.
    return {v.encode() for v in values if v and len(v) >= 7 and ADDRESS_LIKE.fullmatch(v)}


def tokens(data: bytes) -> set[bytes]:
    found = set()
    for run in RUN.findall(data):
        found |= {run, run.strip(b".:"), *run.split(b":")}
    return found


def parquet_text(path: Path) -> bytes:
    """Every string in the file, read back: on disk they may be dictionary-coded and compressed."""
    table = pq.read_table(path)
    parts = []
    for column in table.columns:
        kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_nested(kind):
            parts.append(repr(column.to_pylist()))
    return "\n".join(parts).encode()


def duckdb_text(path: Path) -> bytes:
    """Every row of every table, read back: DuckDB compresses strings on disk."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        return "\n".join(repr(con.table(t).fetchall()) for t in tables).encode()


def leaks(text: bytes, addresses: set[bytes]) -> set[bytes]:
    return tokens(text) & addresses


def test_scanner_finds_an_address_in_text_parquet_and_duckdb(tmp_path):
    """The scan itself can fail: an address planted in each kind of container is found."""
    address = {b"203.0.113.77", b"2001:db8::77"}
    (tmp_path / "log.txt").write_bytes(b"client=203.0.113.77:443 done.")
    pq.write_table(pa.table({"x": pa.array(["2001:db8::77"] * 1000).dictionary_encode()}),
                   tmp_path / "t.parquet", compression="zstd")
    with duckdb.connect(str(tmp_path / "m.duckdb")) as con:
        con.execute("CREATE TABLE t AS SELECT '203.0.113.77' AS a FROM range(5000)")
    assert leaks((tmp_path / "log.txt").read_bytes(), address) == {b"203.0.113.77"}
    assert leaks(parquet_text(tmp_path / "t.parquet"), address) == {b"2001:db8::77"}
    assert leaks(duckdb_text(tmp_path / "m.duckdb"), address) == {b"203.0.113.77"}


@pytest.mark.slow
def test_no_input_address_in_any_output_log_model_or_report(tiny_run):
    addresses = input_addresses(tiny_run.raw)
    assert len(addresses) > 1000
    found: dict[str, set[bytes]] = {}
    files = [p for root in (tiny_run.out, tiny_run.dagster_home) for p in root.rglob("*") if p.is_file()]
    assert any(p.suffix == ".db" for p in files) and any("artifacts" in p.parts for p in files)
    for path in files:
        data = path.read_bytes()
        if path.suffix == ".parquet":
            data += parquet_text(path)
        elif path.suffix == ".duckdb":
            data += duckdb_text(path)
        if hit := leaks(data, addresses):
            found[str(path)] = hit
    for stream, data in (("stdout", tiny_run.stdout), ("stderr", tiny_run.stderr)):
        if hit := leaks(data, addresses):
            found[stream] = hit
    assert not found, {where: sorted(hit)[:3] for where, hit in found.items()}
