"""Ingest of a usage day: each test builds one kind of bad input by hand and checks the
outcome: the row quarantined with its reason, or the day failed with the file named."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from config.settings import Settings
from features.ingest import QUARANTINE_SCHEMA, ingest_day

DAY = dt.date(2026, 3, 2)
NOON = dt.datetime(2026, 3, 2, 12, tzinfo=dt.timezone.utc)
USAGE_SCHEMA = pa.schema([
    ("request_id", pa.string()), ("ts", pa.timestamp("us", tz="UTC")), ("account_id", pa.string()),
    ("api_key_id", pa.string()), ("ip", pa.string()), ("asn", pa.int32()), ("ip_kind", pa.string()),
    ("country", pa.string()), ("user_agent", pa.string()), ("model", pa.string()),
    ("input_tokens", pa.int32()), ("output_tokens", pa.int32()), ("reasoning_tokens", pa.int32()),
    ("status", pa.int16()), ("latency_ms", pa.int32()), ("prompt_simhash", pa.int64()),
    ("system_prompt_hash", pa.string()), ("topic", pa.string()), ("cot_elicitation", pa.bool_()),
    ("turn_index", pa.int16()), ("tool_count", pa.int16()), ("temperature", pa.float32()),
])
KNOWN = ["acct-0", "acct-1", "acct-2", "early", "late", "tie"]  # the accounts table
IPS = ["203.0.113.7", "198.51.100.23", "2001:db8:85a3::8a2e:370:7334", "192.0.2.200"]


def good_row(i: int, **changes) -> dict:
    row = {
        "request_id": f"req-{i}", "ts": NOON + dt.timedelta(seconds=i), "account_id": f"acct-{i % 3}",
        "api_key_id": f"key-{i % 3}", "ip": IPS[i % len(IPS)], "asn": 64500 + i % 5,
        "ip_kind": "residential", "country": "US", "user_agent": "anthropic-sdk-python/1.2",
        "model": "model-large-2", "input_tokens": 120 + i, "output_tokens": 800, "reasoning_tokens": 0,
        "status": 200, "latency_ms": 900, "prompt_simhash": 1234567 * (i + 1),
        "system_prompt_hash": None if i % 2 else "ab12", "topic": "coding", "cot_elicitation": i % 4 == 0,
        "turn_index": 1, "tool_count": 0, "temperature": 0.7,
    }
    row.update(changes)
    return row


def write(raw: Path, rows: list[dict], name: str = "part-0.parquet", day: dt.date = DAY,
          schema: pa.Schema = USAGE_SCHEMA) -> Path:
    folder = raw / "usage_logs" / f"date={day.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return path


def settings(tmp_path: Path, **changes) -> Settings:
    # Row-level tests put one bad row among a handful: the share limit is its own test.
    return Settings(raw_root=tmp_path, out_root=tmp_path / "out", quarantine_max_share=1.0).replace(**changes)


def test_clean_day_passes_with_every_row_kept(tmp_path):
    write(tmp_path, [good_row(i) for i in range(10)], "part-0.parquet")
    write(tmp_path, [good_row(i) for i in range(10, 15)], "part-1.parquet")
    result = ingest_day(tmp_path, DAY, settings(tmp_path), KNOWN)
    assert result.ok, result.summary()
    assert result.counts["rows_read"] == result.counts["kept"] == 15
    assert result.quarantine.num_rows == 0 and result.quarantine.schema == QUARANTINE_SCHEMA
    assert "ip" not in result.clean.column_names
    assert result.clean.schema.field("input_tokens").type == pa.int32()
    assert result.clean.column("request_id").to_pylist() == [f"req-{i}" for i in range(15)]


def test_ip_becomes_keyed_hashes_of_address_and_network(tmp_path):
    rows = [good_row(0, ip="203.0.113.7"), good_row(1, ip="203.0.113.99"), good_row(2, ip="203.0.114.7"),
            good_row(3, ip="2001:DB8:0:0::1"), good_row(4, ip="2001:db8::1"), good_row(5, ip="2001:db8:0:ffff::9")]
    write(tmp_path, rows)
    clean = ingest_day(tmp_path, DAY, settings(tmp_path), KNOWN).clean.to_pydict()
    hashes, prefixes = clean["ip_hash"], clean["ip_prefix"]
    assert len(set(hashes)) == 5 and hashes[3] == hashes[4]  # one address, two spellings
    assert prefixes[0] == prefixes[1] != prefixes[2]  # same /24, next /24
    assert prefixes[3] == prefixes[4] == prefixes[5] != prefixes[0]  # same /48
    other = ingest_day(tmp_path, DAY, settings(tmp_path, hash_secret="another"), KNOWN).clean
    assert set(other.column("ip_hash").to_pylist()).isdisjoint(hashes)


BAD_ROWS = {
    "ts_before_the_day": ({"ts": NOON - dt.timedelta(days=1)}, "ts_outside_day"),
    "ts_at_next_midnight": ({"ts": NOON + dt.timedelta(hours=12)}, "ts_outside_day"),
    "negative_tokens": ({"output_tokens": -5}, "bad_tokens"),
    "huge_tokens": ({"input_tokens": 2**31 - 1}, "bad_tokens"),
    "null_tokens": ({"reasoning_tokens": None}, "bad_tokens"),
    "unknown_ip_kind": ({"ip_kind": "satellite"}, "unknown_ip_kind"),
    "unknown_topic": ({"topic": "poetry"}, "unknown_topic"),
    "status_not_in_list": ({"status": 418}, "unknown_status"),
    "null_account_id": ({"account_id": None}, "missing_account_id"),
    "empty_account_id": ({"account_id": ""}, "missing_account_id"),
    "account_missing_from_accounts_table": ({"account_id": "acct-404"}, "unknown_account"),
    "null_request_id": ({"request_id": None}, "missing_request_id"),
    "malformed_ipv4": ({"ip": "203.0.113.256"}, "malformed_ip"),
    "malformed_ipv6": ({"ip": "2001:db8:::1"}, "malformed_ip"),
    "ip_not_an_address": ({"ip": "localhost"}, "malformed_ip"),
    "null_ip": ({"ip": None}, "malformed_ip"),
    "temperature_above_2": ({"temperature": 2.5}, "bad_temperature"),
    "temperature_negative": ({"temperature": -0.1}, "bad_temperature"),
    "temperature_nan": ({"temperature": math.nan}, "bad_temperature"),
    "negative_latency": ({"latency_ms": -1}, "bad_latency"),
    "turn_index_zero": ({"turn_index": 0}, "bad_turn_index"),
    "country_not_alpha2": ({"country": "USA"}, "bad_country"),
}


@pytest.mark.parametrize("change, reason", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_bad_row_is_quarantined_with_its_reason(tmp_path, change, reason):
    write(tmp_path, [good_row(i) for i in range(5)] + [good_row(5, **change)])
    result = ingest_day(tmp_path, DAY, settings(tmp_path), KNOWN)
    assert result.ok, result.summary()
    assert result.quarantine.column("reason").to_pylist() == [reason]
    assert result.counts["by_reason"] == {reason: 1}
    assert result.counts["rows_read"] == result.counts["kept"] + result.counts["quarantined"] == 6
    assert result.quarantine.column("source_file").to_pylist() == [f"usage_logs/date={DAY}/part-0.parquet"]
    assert "req-5" not in result.clean.column("request_id").to_pylist()


def test_duplicate_request_id_keeps_the_earliest_copy_whatever_the_file_order(tmp_path):
    late = good_row(1, request_id="req-dup", ts=NOON + dt.timedelta(hours=3), account_id="late")
    early = good_row(2, request_id="req-dup", ts=NOON, account_id="early")
    write(tmp_path, [good_row(0), late], "a.parquet")
    write(tmp_path, [early, good_row(3, request_id="req-dup", ts=NOON, account_id="tie")], "b.parquet")
    result = ingest_day(tmp_path, DAY, settings(tmp_path), KNOWN)
    kept = result.clean.filter(pa.compute.equal(result.clean["request_id"], "req-dup"))
    assert kept.column("account_id").to_pylist() == ["early"]
    assert sorted(result.quarantine.column("account_id").to_pylist()) == ["late", "tie"]
    assert set(result.quarantine.column("reason").to_pylist()) == {"duplicate_request_id"}


def test_duplicate_of_a_broken_row_keeps_the_good_copy(tmp_path):
    write(tmp_path, [good_row(0, request_id="r", output_tokens=-1), good_row(1, request_id="r")])
    result = ingest_day(tmp_path, DAY, settings(tmp_path), KNOWN)
    assert result.clean.column("output_tokens").to_pylist() == [800]
    assert result.quarantine.column("reason").to_pylist() == ["bad_tokens"]


@pytest.mark.parametrize("column", ["user_agent", "ip"])
def test_non_utf8_text_is_quarantined_not_a_crash(tmp_path, column):
    table = pa.Table.from_pylist([good_row(0), good_row(1)], schema=USAGE_SCHEMA)
    values = pa.array([table.column(column)[0].as_py().encode(), b"curl/\xff\xfe"], pa.binary())
    broken = pa.Array.from_buffers(pa.string(), 2, values.buffers())
    folder = tmp_path / "usage_logs" / f"date={DAY}"
    folder.mkdir(parents=True)
    pq.write_table(table.set_column(table.schema.get_field_index(column), column, broken),
                   folder / "part-0.parquet")
    result = ingest_day(tmp_path, DAY, settings(tmp_path), KNOWN)
    assert result.ok, result.summary()
    assert result.quarantine.to_pylist()[0] | {"ts": None} == {
        "request_id": "req-1", "account_id": "acct-1", "ts": None, "reason": "non_utf8_text",
        "detail": f"bytes that are not UTF-8 in {column}",
        "source_file": f"usage_logs/date={DAY}/part-0.parquet", "date": DAY}
    assert result.clean.num_rows == 1


def test_same_files_give_the_same_tables(tmp_path):
    write(tmp_path, [good_row(i) for i in range(30)] + [good_row(30, request_id="req-3"), good_row(31, topic="?")])
    first, second = (ingest_day(tmp_path, DAY, settings(tmp_path), KNOWN) for _ in range(2))
    assert first.clean.equals(second.clean) and first.quarantine.equals(second.quarantine)


def test_no_address_text_survives_in_clean_or_quarantine(tmp_path):
    rows = [good_row(i) for i in range(8)] + [good_row(8, ip="203.0.113.7", output_tokens=-1),
                                              good_row(9, ip="198.51.100.23", request_id="req-0")]
    write(tmp_path, rows)
    result = ingest_day(tmp_path, DAY, settings(tmp_path), KNOWN)
    assert result.quarantine.num_rows == 2
    text = " ".join(str(v) for t in (result.clean, result.quarantine)
                    for column in t.columns for v in column.to_pylist())
    for ip in {r["ip"] for r in rows} | {"2001:db8:85a3"}:
        assert ip not in text


def test_quarantine_share_above_limit_fails_the_day(tmp_path):
    write(tmp_path, [good_row(i) for i in range(98)] + [good_row(98, topic="x"), good_row(99, topic="y")])
    result = ingest_day(tmp_path, DAY, settings(tmp_path, quarantine_max_share=0.01), KNOWN)
    assert not result.ok
    [breach] = result.breaches
    assert breach.code == "quarantine_share" and "2 of 100 rows" in breach.message
    assert "unknown_topic 2" in breach.message
    assert result.quarantine.num_rows == 2  # still kept for the investigator


def test_missing_day_fails_with_the_folder_named(tmp_path):
    result = ingest_day(tmp_path, DAY, settings(tmp_path), KNOWN)
    assert [b.code for b in result.breaches] == ["missing_day"]
    assert f"usage_logs/date={DAY}" in result.breaches[0].message
    assert result.clean.num_rows == 0


def test_empty_day_folder_fails(tmp_path):
    (tmp_path / "usage_logs" / f"date={DAY}").mkdir(parents=True)
    result = ingest_day(tmp_path, DAY, settings(tmp_path), KNOWN)
    assert [b.code for b in result.breaches] == ["empty_day"]


def test_day_of_zero_row_files_fails_as_empty(tmp_path):
    write(tmp_path, [])
    result = ingest_day(tmp_path, DAY, settings(tmp_path), KNOWN)
    assert [b.code for b in result.breaches] == ["empty_day"]


def test_missing_column_fails_the_day_naming_file_and_column(tmp_path):
    write(tmp_path, [good_row(0)], "good.parquet")
    schema = USAGE_SCHEMA.remove(USAGE_SCHEMA.get_field_index("asn"))
    write(tmp_path, [good_row(1)], "bad.parquet", schema=schema)
    [breach] = ingest_day(tmp_path, DAY, settings(tmp_path), KNOWN).breaches
    assert (breach.code, breach.file) == ("missing_column", f"usage_logs/date={DAY}/bad.parquet")
    assert "asn" in breach.message and "bad.parquet" in breach.message


def test_renamed_column_fails_as_missing(tmp_path):
    rows = [{("client_ip" if k == "ip" else k): v for k, v in good_row(0).items()}]
    schema = pa.schema([f.with_name("client_ip") if f.name == "ip" else f for f in USAGE_SCHEMA])
    write(tmp_path, rows, schema=schema)
    [breach] = ingest_day(tmp_path, DAY, settings(tmp_path), KNOWN).breaches
    assert breach.code == "missing_column" and "ip" in breach.message


def test_retyped_column_fails_the_day(tmp_path):
    schema = USAGE_SCHEMA.set(USAGE_SCHEMA.get_field_index("input_tokens"), pa.field("input_tokens", pa.float64()))
    write(tmp_path, [good_row(0, input_tokens=float("nan"))], schema=schema)
    [breach] = ingest_day(tmp_path, DAY, settings(tmp_path), KNOWN).breaches
    assert breach.code == "retyped_column"
    assert "input_tokens is double, contract says int32" in breach.message


def test_extra_column_is_tolerated_and_dropped(tmp_path):
    schema = USAGE_SCHEMA.append(pa.field("region", pa.string()))
    write(tmp_path, [good_row(0, region="eu-west"), good_row(1, region="eu-west")], schema=schema)
    result = ingest_day(tmp_path, DAY, settings(tmp_path), KNOWN)
    assert result.ok and result.counts["kept"] == 2
    assert "region" not in result.clean.column_names
    assert result.notes == [f"usage_logs/date={DAY}/part-0.parquet: extra column(s) region ignored"]


def _corrupt_zero_bytes(path: Path) -> None:
    path.write_bytes(b"")


def _corrupt_truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _corrupt_footer_magic(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-4] + b"PARX")


def _corrupt_flipped_bytes(path: Path) -> None:
    """Invert a run of bytes inside the first row group's data pages."""
    data = bytearray(path.read_bytes())
    column = pq.ParquetFile(path).metadata.row_group(0).column(0)
    start = column.data_page_offset + 8
    for i in range(start, start + column.total_compressed_size - 16):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def _corrupt_other_table(path: Path) -> None:
    pq.write_table(pa.table({"account_id": ["a"], "tier": ["free"], "signup_ip": ["203.0.113.7"]}), path)


CORRUPTIONS = {
    "zero_bytes": (_corrupt_zero_bytes, "unreadable_file"),
    "truncated": (_corrupt_truncated, "unreadable_file"),
    "bad_footer_magic": (_corrupt_footer_magic, "unreadable_file"),
    "flipped_bytes_in_row_group": (_corrupt_flipped_bytes, "unreadable_file"),
    "parquet_of_another_table": (_corrupt_other_table, "foreign_table"),
}


@pytest.mark.parametrize("corrupt, code", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_corrupt_file_fails_the_day_naming_only_that_file(tmp_path, corrupt, code):
    write(tmp_path, [good_row(i) for i in range(50)], "part-0.parquet")
    corrupt(write(tmp_path, [good_row(i) for i in range(50, 100)], "part-1.parquet"))
    result = ingest_day(tmp_path, DAY, settings(tmp_path), KNOWN)
    assert not result.ok
    [breach] = result.breaches
    assert (breach.code, breach.file) == (code, f"usage_logs/date={DAY}/part-1.parquet")
    assert breach.message.startswith(f"usage_logs/date={DAY}/part-1.parquet: ")
    assert result.clean.num_rows == 0  # a failed day hands nothing on


def test_a_day_of_few_bad_rows_keeps_every_other_row_in_order(tmp_path):
    # One bad row in a thousand or fewer: the kept rows are slices between the bad ones.
    bad = {0: {"topic": "?"}, 1700: {"output_tokens": -1}, 2999: {"ip": "x"}}
    write(tmp_path, [good_row(i, **bad.get(i, {})) for i in range(3200)])
    result = ingest_day(tmp_path, DAY, settings(tmp_path), KNOWN)
    assert result.clean.column("request_id").to_pylist() == [f"req-{i}" for i in range(3200) if i not in bad]
    assert result.clean.column("input_tokens").to_pylist() == [120 + i for i in range(3200) if i not in bad]
    assert result.quarantine.column("request_id").to_pylist() == [f"req-{i}" for i in sorted(bad)]


def test_repeated_text_stays_dictionary_encoded(tmp_path):
    write(tmp_path, [good_row(i) for i in range(10)], "part-0.parquet")
    write(tmp_path, [good_row(i, topic="math") for i in range(10, 15)], "part-1.parquet")
    clean = ingest_day(tmp_path, DAY, settings(tmp_path), KNOWN).clean
    assert pa.types.is_dictionary(clean.schema.field("topic").type)
    assert clean.column("topic").to_pylist() == ["coding"] * 10 + ["math"] * 5
    assert clean.schema.field("request_id").type == pa.string()
