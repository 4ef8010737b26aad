"""Ingest: read the raw tables, split good rows from bad ones, and drop addresses in clear.

Two kinds of trouble, two outcomes. A batch-level breach (no day, an unreadable or
foreign file, a missing or retyped column, too many bad rows) fails the day with a
`Breach` naming the file: scoring on half the traffic would read as "nobody is risky".
A row-level defect quarantines that row with a reason code; the row is kept and counted,
so every row read is either clean or quarantined.

The rules come from the suites in `data_contracts/suites/` (see `data_contracts.row_rules`)
and run in DuckDB over the Arrow data as read: a day is millions of rows, so only the few
bad rows are ever materialized and the clean table is slices of the read table.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from config.settings import Settings
from data_contracts.row_rules import RowSplit, row_split, unique_column_reason
from data_contracts.suites import arrow_types, load_suite
from features.pseudonymize import build_address_map, replace_address

NON_UTF8 = "non_utf8_text"
MALFORMED_IP = "malformed_ip"
UNKNOWN_ACCOUNT = "unknown_account"

QUARANTINE_SCHEMA = pa.schema([
    ("request_id", pa.string()), ("account_id", pa.string()),
    ("ts", pa.timestamp("us", tz="UTC")), ("reason", pa.string()), ("detail", pa.string()),
    ("source_file", pa.string()), ("date", pa.date32()),
])
_STRING_TYPES = (pa.string(), pa.large_string(), pa.string_view())
# Text columns of a few values repeated over millions of rows: read and kept dictionary-
# encoded, as Parquet stores them; decoded, they are nearly half of a day's table in memory.
REPEATED_TEXT = ("ip_kind", "country", "user_agent", "model", "system_prompt_hash", "topic")


@dataclass(frozen=True)
class Breach:
    code: str  # missing_day, empty_day, unreadable_file, foreign_table, missing_column, …
    file: str | None  # relative to the raw root; None when the breach is the whole day's
    message: str


@dataclass
class IngestResult:
    day: dt.date
    clean: pa.Table
    quarantine: pa.Table
    breaches: list[Breach] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # tolerated oddities (extra columns)

    @property
    def ok(self) -> bool:
        return not self.breaches

    def summary(self) -> str:
        head = (f"usage_logs {self.day}: {self.counts.get('rows_read', 0)} rows read, "
                f"{self.counts.get('kept', 0)} kept, {self.counts.get('quarantined', 0)} quarantined")
        return "; ".join([head, *(b.message for b in self.breaches)])


class ContractBreach(Exception):
    """A snapshot table (accounts, labels) cannot be used at all; the message names why."""

    def __init__(self, breaches: list[Breach]):
        self.breaches = breaches
        super().__init__("; ".join(b.message for b in breaches))


# ---- usage logs ------------------------------------------------------------------------
def ingest_day(raw_root: Path, day: dt.date, settings: Settings, known_account_ids) -> IngestResult:
    """Read `usage_logs/date=D/*.parquet`; never raises for bad data, it reports it.
    `known_account_ids` are the clean accounts: a request billed to any other account is
    quarantined (`unknown_account`), since features would join it to no account at all.
    The `REPEATED_TEXT` columns of `.clean` are dictionary-encoded strings."""
    raw_root = Path(raw_root)
    suite = load_suite("usage_logs")
    types = arrow_types(suite)
    clean_schema = _read_schema(_clean_usage_schema(types), REPEATED_TEXT)
    folder = raw_root / "usage_logs" / f"date={day.isoformat()}"
    result = IngestResult(day, clean_schema.empty_table(), QUARANTINE_SCHEMA.empty_table())

    files, where = _data_files(folder), _rel(folder, raw_root)
    if not folder.is_dir():
        result.breaches.append(Breach("missing_day", where, f"no usage logs for {day}: {where} does not exist"))
    elif not files:
        result.breaches.append(Breach("empty_day", where, f"no usage logs for {day}: {where} holds no Parquet file"))
    table = _read_all(files, raw_root, types, "usage_logs", result.breaches, result.notes,
                      ("ip", *REPEATED_TEXT))
    result.counts = {"files": len(files), "rows_read": 0, "kept": 0, "quarantined": 0, "by_reason": {}}
    if result.breaches:
        return result
    if table.num_rows == 0:
        result.breaches.append(Breach("empty_day", where, f"no usage logs for {day}: {len(files)} file(s), no rows"))
        return result

    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.timezone.utc)
    con = _connect(settings)
    hashed = _hash_addresses(con, table, "ip", settings, "ip_hash", "ip_prefix")
    con.register("raw_rows", _with_flags(table, _malformed(table, "ip", hashed, "ip_hash"),
                                         _unknown(table, known_account_ids)))
    split = row_split(suite, types, {"day_start": start, "day_end": start + dt.timedelta(days=1)},
                      hidden=frozenset({"ip"}))
    rules = (split, _own_rules(_malformed_address("ip"), _unknown_account()), unique_column_reason(suite))
    keep = _split_rows(con, table.num_rows, *rules, order_by="ts, _i")
    result.clean = _kept(hashed, keep).select(clean_schema.names).cast(clean_schema)
    result.quarantine = _quarantine(
        con, "r.request_id, r.account_id, r.ts", *rules,
        source="list_extract($files, r._file + 1) AS source_file, $day::DATE AS date",
        params={"files": [_rel(f, raw_root) for f in files], "day": day}).cast(QUARANTINE_SCHEMA)
    con.close()

    by_reason = _count_by_reason(result.quarantine)
    rows, bad = table.num_rows, result.quarantine.num_rows
    result.counts.update(rows_read=rows, kept=result.clean.num_rows, quarantined=bad,
                         by_reason=by_reason, quarantine_share=bad / rows)
    if bad / rows > settings.quarantine_max_share:
        worst = ", ".join(f"{reason} {n}" for reason, n in by_reason.items())
        result.breaches.append(Breach(
            "quarantine_share", where,
            f"{bad} of {rows} rows of {day} quarantined ({bad / rows:.1%}, limit "
            f"{settings.quarantine_max_share:.1%}): {worst}"))
    return result


def _clean_usage_schema(types: dict[str, str]) -> pa.Schema:
    """The contract's columns with `ip` replaced, in place, by its two keyed hashes."""
    fields = []
    for name, type_name in types.items():
        if name == "ip":
            fields += [("ip_hash", pa.string()), ("ip_prefix", pa.string())]
        else:
            fields.append((name, _arrow_type(type_name)))
    return pa.schema(fields)


# ---- accounts and labels ---------------------------------------------------------------
def ingest_accounts(raw_root: Path, settings: Settings) -> tuple[pa.Table, pa.Table]:
    """(clean, quarantine) of the accounts snapshot; `signup_ip` leaves as two keyed hashes.
    Raises `ContractBreach` when the file cannot be used at all."""
    raw_root = Path(raw_root)
    suite = load_suite("accounts")
    types = arrow_types(suite)
    table = _read_snapshot(raw_root / "accounts" / "accounts.parquet", raw_root, types, "accounts",
                           ("signup_ip",))
    con = _connect(settings)
    hashed = _hash_addresses(con, table, "signup_ip", settings, "signup_ip_hash", "signup_prefix")
    con.register("raw_rows", _with_flags(table, _malformed(table, "signup_ip", hashed, "signup_ip_hash")))
    rules = (row_split(suite, types, {}, hidden=frozenset({"signup_ip"})),
             _own_rules(_malformed_address("signup_ip")), unique_column_reason(suite))
    keep = _split_rows(con, table.num_rows, *rules, order_by="created_at, _i")
    clean = _kept(hashed, keep)
    quarantine = _quarantine(con, "r.account_id", *rules, source="$file AS source_file",
                             params={"file": "accounts/accounts.parquet"})
    con.close()
    return clean.drop_columns(_BOOKKEEPING), quarantine


def ingest_labels(raw_root: Path, known_account_ids) -> tuple[pa.Table, pa.Table]:
    """(clean, quarantine) of the enforcement labels; a verdict on an account the accounts
    table does not hold is quarantined, not trusted. Raises `ContractBreach` when the file
    cannot be used at all."""
    raw_root = Path(raw_root)
    suite = load_suite("enforcement_labels")
    types = arrow_types(suite)
    table = _read_snapshot(raw_root / "enforcement_labels" / "labels.parquet", raw_root, types,
                           "enforcement_labels")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.register("raw_rows", _with_flags(table, _unknown(table, known_account_ids)))
    rules = (row_split(suite, types, {}), _own_rules(_unknown_account()), unique_column_reason(suite))
    keep = _split_rows(con, table.num_rows, *rules, order_by="decided_at, _i")
    quarantine = _quarantine(con, "r.case_id, r.account_id", *rules, source="$file AS source_file",
                             params={"file": "enforcement_labels/labels.parquet"})
    con.close()
    return _kept(table, keep).drop_columns(_BOOKKEEPING), quarantine


def _read_snapshot(path: Path, raw_root: Path, types: dict[str, str], table_name: str,
                   encoded: tuple[str, ...] = ()) -> pa.Table:
    breaches: list[Breach] = []
    if not path.is_file():
        raise ContractBreach([Breach("missing_file", _rel(path, raw_root),
                                     f"{table_name}: {_rel(path, raw_root)} does not exist")])
    table = _read_all([path], raw_root, types, table_name, breaches, [], encoded)
    if breaches:
        raise ContractBreach(breaches)
    return table


# ---- the split -------------------------------------------------------------------------
_BOOKKEEPING = ["_bad_text", "_file", "_i"]
_MIN_RUN = 1000  # mean kept rows between dropped ones, below which `_kept` copies


def _hash_addresses(con: duckdb.DuckDBPyConnection, table: pa.Table, column: str, settings: Settings,
                    hash_name: str, prefix_name: str) -> pa.Table:
    """`table` with the address `column` replaced by its two keyed hashes, for every row."""
    build_address_map(con, table.column(column), settings.hash_secret, "addresses")
    address_map = con.sql("SELECT * FROM addresses").to_arrow_table()
    return replace_address(table, column, address_map, hash_name, prefix_name)


def _with_flags(table: pa.Table, *flags: tuple[str, pa.ChunkedArray]) -> pa.Table:
    """`table` plus the flag columns the table's own rules read (see `_own_rules`)."""
    for name, values in flags:
        table = table.append_column(name, values)
    return table


def _malformed(table: pa.Table, column: str, hashed: pa.Table, hash_name: str) -> tuple[str, pa.ChunkedArray]:
    """Flag `_malformed`: an address is given but got no hash, so its text did not parse.
    Read off the hashes every row gets anyway, rather than joined again in SQL."""
    return "_malformed", pc.and_(pc.is_valid(table.column(column)), pc.is_null(hashed.column(hash_name)))


def _malformed_address(column: str) -> tuple[str, str, str]:
    """An address that did not parse (the value stays hidden)."""
    return MALFORMED_IP, "_malformed", f"'{column} is not an IPv4 or IPv6 address'"


def _unknown(table: pa.Table, known_account_ids) -> tuple[str, pa.ChunkedArray]:
    """Flag `_unknown_account`: an account id the clean accounts lack. An Arrow hash lookup
    took a third of the CPU of DuckDB's join of a day's millions of rows to the accounts."""
    if isinstance(known_account_ids, (pa.Array, pa.ChunkedArray)):
        known = known_account_ids.cast(pa.string())
    else:
        known = pa.array(list(known_account_ids), pa.string())
    if isinstance(known, pa.ChunkedArray):
        known = known.combine_chunks()
    account_ids = table.column("account_id")
    return "_unknown_account", pc.and_(pc.is_valid(account_ids),
                                       pc.invert(pc.is_in(account_ids, value_set=known)))


def _unknown_account() -> tuple[str, str, str]:
    """A row whose account the clean accounts table lacks."""
    return (UNKNOWN_ACCOUNT, "_unknown_account",
            "'account_id=' || r.account_id || ' is not in the accounts table'")


def _own_rules(*rules: tuple[str, str, str]) -> tuple[str, str]:
    """A table's own (code, broken-condition SQL, detail SQL) rules, beyond its suite, as
    one reason SQL and one detail SQL: the first broken rule names the row's reason."""
    reason = "CASE " + " ".join(f"WHEN {broken} THEN '{code}'" for code, broken, _ in rules) + " END"
    detail = "CASE b.reason " + " ".join(f"WHEN '{code}' THEN {text}" for code, _, text in rules) + " END"
    return reason, detail


def _split_rows(con: duckdb.DuckDBPyConnection, rows: int, split: RowSplit,
                own_rule: tuple[str, str], unique: tuple[str, str], order_by: str) -> np.ndarray:
    """Fill temp table `bad(_i, reason)` with the quarantined rows of `raw_rows` and return
    the mask of rows kept. Only the few bad rows are materialized: the good ones stay in
    Arrow. Precedence: text that is not UTF-8, the suite's rules in order, the table's own
    rules (`_own_rules`), then duplicates: of the rows otherwise clean, the first
    by `order_by` is kept, the rest quarantined. Duplicates are looked for by a sorted
    64-bit hash first (much cheaper than grouping millions of strings); a hash collision
    only adds a candidate, the ranking compares the values themselves."""
    unique_col, duplicate = unique
    _execute(con, f"""
        CREATE OR REPLACE TEMP TABLE bad AS
        SELECT _i, reason FROM (
            SELECT _i, CASE WHEN _bad_text IS NOT NULL THEN '{NON_UTF8}'
                            ELSE coalesce({split.reason_sql}, {own_rule[0]}) END AS reason
            FROM raw_rows)
        WHERE reason IS NOT NULL
    """, split.params)
    hashes = con.sql(f"SELECT hash({unique_col}) AS h FROM raw_rows "
                     "WHERE _i NOT IN (SELECT _i FROM bad)").fetchnumpy()["h"]
    ordered = np.sort(hashes)
    repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    if repeated.size:
        con.register("repeated", pa.table({"h": repeated}))
        _execute(con, f"""
            INSERT INTO bad
            SELECT _i, $duplicate FROM (
                SELECT _i, row_number() OVER (PARTITION BY {unique_col} ORDER BY {order_by}) AS rank
                FROM raw_rows
                WHERE _i NOT IN (SELECT _i FROM bad) AND hash({unique_col}) IN (SELECT h FROM repeated))
            WHERE rank > 1
        """, {"duplicate": duplicate})
    keep = np.ones(rows, dtype=bool)
    keep[con.sql("SELECT _i FROM bad").fetchnumpy()["_i"]] = False
    return keep


def _kept(table: pa.Table, keep: np.ndarray) -> pa.Table:
    """The kept rows. A day drops a few rows in thousands: the runs between them are taken
    as zero-copy slices, since a filtered copy doubles the day's memory, and touching fresh
    memory is the dearest step of a day's ingest. Many short runs (a broken day) are copied."""
    dropped = np.flatnonzero(~keep)
    if dropped.size * _MIN_RUN > keep.size:
        return table.filter(pa.array(keep))
    starts, ends = np.append(0, dropped + 1), np.append(dropped, keep.size)
    return pa.concat_tables([table.slice(start, end - start)
                             for start, end in zip(starts.tolist(), ends.tolist()) if end > start]
                            or [table.slice(0, 0)])


def _quarantine(con: duckdb.DuckDBPyConnection, keys: str, split: RowSplit,
                own_rule: tuple[str, str], unique: tuple[str, str], source: str,
                params: dict[str, Any]) -> pa.Table:
    """The bad rows' `keys`, reason, a detail saying which value broke which rule, `source`."""
    unique_col, duplicate = unique
    sql = f"""
        SELECT {keys}, b.reason,
               CASE WHEN b.reason = $duplicate
                        THEN '{unique_col}=' || r.{unique_col} || ' repeats an earlier row'
                    WHEN b.reason = '{NON_UTF8}' THEN 'bytes that are not UTF-8 in ' || r._bad_text
                    ELSE coalesce({split.detail_sql}, {own_rule[1]}) END AS detail,
               {source}
        FROM bad b JOIN raw_rows r USING (_i) ORDER BY _i
    """
    return con.sql(sql, params=_used(sql, {**split.params, **params, "duplicate": duplicate})).to_arrow_table()


def _execute(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> None:
    con.execute(sql, _used(sql, params))


def _used(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters `sql` names: DuckDB refuses extra ones, and the reason and detail SQL
    of a suite share one set."""
    named = set(re.findall(r"\$(\w+)", sql))
    return {k: v for k, v in params.items() if k in named}


def _connect(settings: Settings) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"threads": settings.threads,
                                 "memory_limit": settings.duckdb_memory_limit})
    con.execute("SET TimeZone = 'UTC'")
    return con


def _count_by_reason(quarantine: pa.Table) -> dict[str, int]:
    counts = quarantine.group_by("reason").aggregate([("reason", "count")]).to_pylist()
    return dict(sorted(((r["reason"], r["reason_count"]) for r in counts), key=lambda kv: (-kv[1], kv[0])))


# ---- reading files ---------------------------------------------------------------------
def _data_files(folder: Path) -> list[Path]:
    """Parquet files of a folder, in name order; hidden and `_` files are writers' leftovers."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.parquet")
                  if p.is_file() and not p.name.startswith((".", "_")))


def _read_all(files: list[Path], raw_root: Path, types: dict[str, str], table_name: str,
              breaches: list[Breach], notes: list[str], encoded: tuple[str, ...]) -> pa.Table:
    """All files as one table of the contract's columns plus `_bad_text` (first column with
    non-UTF-8 bytes), `_file` and `_i` (the row's place, for a deterministic "first").
    Every file is checked, so one run names every broken file. The `encoded` columns are read
    dictionary-encoded, one dictionary per column for all files: an address column is then
    hashed per distinct value, and repeated text is never decoded."""
    schema = pa.schema([(c, _arrow_type(t)) for c, t in types.items()])
    tables = []
    for index, path in enumerate(files):
        table = _read_file(path, _rel(path, raw_root), schema, table_name, breaches, notes,
                           encoded)
        if table is not None:
            tables.append(_with_bad_text(table).append_column(
                "_file", pa.array(np.full(table.num_rows, index, np.int32))))
    if breaches or not tables:
        empty = _read_schema(schema, encoded).empty_table()
        tables = [_with_bad_text(empty).append_column("_file", pa.array([], pa.int32()))]
    table = pa.concat_tables(tables).unify_dictionaries()  # one dictionary per column
    return table.append_column("_i", pa.array(np.arange(table.num_rows, dtype=np.int64)))


def _read_file(path: Path, rel: str, schema: pa.Schema, table_name: str,
               breaches: list[Breach], notes: list[str], encoded: tuple[str, ...]) -> pa.Table | None:
    try:
        found = pq.ParquetFile(path).schema_arrow
    except Exception as error:  # any footer problem: zero bytes, truncated, bad magic
        breaches.append(Breach("unreadable_file", rel,
                               f"{rel}: not a readable Parquet file ({_reason_text(error)})"))
        return None
    missing = [c for c in schema.names if c not in found.names]
    if len(missing) > len(schema) / 2:
        breaches.append(Breach("foreign_table", rel,
                               f"{rel}: not a {table_name} file: {len(missing)} of its "
                               f"{len(schema)} columns missing (has {', '.join(found.names)})"))
        return None
    if missing:
        breaches.append(Breach("missing_column", rel, f"{rel}: column(s) missing: {', '.join(missing)}"))
    retyped = [f"{f.name} is {_plain(found.field(f.name).type)}, contract says {f.type}"
               for f in schema
               if f.name in found.names and not _same_type(found.field(f.name).type, f.type)]
    if retyped:
        breaches.append(Breach("retyped_column", rel, f"{rel}: retyped column(s): {'; '.join(retyped)}"))
    if missing or retyped:
        return None
    extra = [c for c in found.names if c not in schema.names]
    if extra:
        notes.append(f"{rel}: extra column(s) {', '.join(extra)} ignored")
    try:
        parquet = pq.ParquetFile(path, page_checksum_verification=True,
                                 read_dictionary=list(encoded))
        table = parquet.read(columns=schema.names)
    except Exception as error:  # corrupt pages: flipped bytes, bad compression
        breaches.append(Breach("unreadable_file", rel,
                               f"{rel}: data cannot be decoded ({_reason_text(error)})"))
        return None
    return table.cast(_read_schema(schema, encoded))


def _read_schema(schema: pa.Schema, encoded: tuple[str, ...]) -> pa.Schema:
    """`schema` with the `encoded` text columns dictionary-encoded."""
    for name in encoded:
        schema = schema.set(schema.get_field_index(name), pa.field(name, pa.dictionary(pa.int32(), pa.string())))
    return schema


def _plain(data_type: pa.DataType) -> pa.DataType:
    return data_type.value_type if pa.types.is_dictionary(data_type) else data_type


def _with_bad_text(table: pa.Table) -> pa.Table:
    """Null out string values that are not UTF-8 (DuckDB refuses them) and name, per row,
    in `_bad_text`, the first column that held one. A full UTF-8 check is fast; the slow
    path only runs for a column that fails it."""
    bad_text = None
    for i, name in enumerate(table.column_names):
        column = table.column(name)
        if not pa.types.is_string(_plain(column.type)):
            continue
        try:
            column.validate(full=True)
            continue
        except pa.ArrowInvalid:
            text = column.cast(pa.string()) if column.type != pa.string() else column
            bad = _invalid_utf8_mask(text)
        if bad_text is None:
            bad_text = np.full(table.num_rows, None, dtype=object)
        bad_text[bad & np.equal(bad_text, None)] = name
        mended = pc.if_else(pa.array(bad), pa.scalar(None, pa.string()), text)
        if column.type != pa.string():
            mended = pc.dictionary_encode(mended)
        table = table.set_column(i, name, mended)
    return table.append_column("_bad_text", pa.nulls(table.num_rows, pa.string()) if bad_text is None
                               else pa.array(bad_text, pa.string()))


def _invalid_utf8_mask(column: pa.ChunkedArray) -> np.ndarray:
    raw = pa.chunked_array([chunk.view(pa.binary()) for chunk in column.chunks], pa.binary())
    con = duckdb.connect()
    con.register("texts", pa.table({"i": np.arange(len(raw), dtype=np.int64), "b": raw}))
    rows = con.sql("SELECT i FROM texts WHERE b IS NOT NULL AND try(decode(b)) IS NULL").fetchnumpy()["i"]
    con.close()
    mask = np.zeros(len(raw), dtype=bool)
    mask[rows] = True
    return mask


def _same_type(found: pa.DataType, expected: pa.DataType) -> bool:
    found = _plain(found)
    return found == expected or (found in _STRING_TYPES and expected in _STRING_TYPES)


def _arrow_type(name: str) -> pa.DataType:
    if name.startswith("timestamp["):  # "timestamp[us, tz=UTC]"
        unit, tz = name[len("timestamp["):-1].split(", tz=")
        return pa.timestamp(unit, tz=tz)
    return pa.type_for_alias(name)


def _reason_text(error: Exception) -> str:
    first_line = (str(error).strip() or "no detail").splitlines()[0]
    return f"{type(error).__name__}: {first_line}"


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
