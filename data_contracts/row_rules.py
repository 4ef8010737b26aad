"""The row-level expectations of a suite, as DuckDB SQL: the same rule for GX and quarantine.

The usage suite says what a good row is (enums, ranges, non-null keys, `ts` inside the day)
and, in each expectation's `meta.reason`, the quarantine code of a row that breaks it.
Ingest splits a day with the SQL built here, so an enum or a range lives only in the suite
JSON. Values and `$PARAMETER`s travel as SQL parameters; only column names, which come
from the suite, are written into the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Expectations about the table, not its rows: the schema check and the duplicate split
# (which needs an order to know which copy is "first") handle them.
_TABLE_LEVEL = {"expect_table_columns_to_match_set", "expect_column_values_to_be_unique"}
_FLOAT_TYPES = {"float", "double", "halffloat"}


@dataclass(frozen=True)
class RowSplit:
    reason_sql: str  # CASE … END: the first broken rule's reason code, NULL for a good row
    detail_sql: str  # CASE … END: which column and value broke it
    params: dict[str, Any]


def row_split(suite: dict, arrow_types: dict[str, str], params: dict[str, Any],
              hidden: frozenset[str] = frozenset()) -> RowSplit:
    """SQL over a table with the suite's columns. `params` fill `$PARAMETER`s; values of
    `hidden` columns (addresses) never reach the detail text."""
    reasons, details, sql_params = [], [], {}
    for i, expectation in enumerate(suite["expectations"]):
        kind, kwargs = expectation["type"], expectation["kwargs"]
        if kind in _TABLE_LEVEL:
            continue
        column = kwargs.get("column") or kwargs["column_A"]
        broken = _broken(kind, kwargs, f"r{i}", sql_params, params, arrow_types[column])
        reason = expectation["meta"]["reason"]
        sql_params[f"reason{i}"] = reason
        reasons.append(f"WHEN {broken} THEN $reason{i}")
        value = ("'hidden'" if column in hidden
                 else f"coalesce(left(CAST({_q(column)} AS VARCHAR), 80), 'null')")
        details.append(f"WHEN {broken} THEN '{column}=' || {value}")
    return RowSplit(
        reason_sql="CASE " + " ".join(reasons) + " END",
        detail_sql="CASE " + " ".join(details) + " END",
        params=sql_params,
    )


def unique_column_reason(suite: dict) -> tuple[str, str]:
    """(column, reason) of the suite's one uniqueness rule."""
    for expectation in suite["expectations"]:
        if expectation["type"] == "expect_column_values_to_be_unique":
            return expectation["kwargs"]["column"], expectation["meta"]["reason"]
    raise KeyError(f"suite {suite['name']!r} declares no unique column")


def _broken(kind: str, kwargs: dict, key: str, sql_params: dict, params: dict,
            arrow_type: str) -> str:
    """SQL true where the row breaks the expectation. Like GX, a null passes every rule
    except not-null (and for floats NaN counts as null, as it does in pandas)."""
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        op = "<" if kwargs.get("or_equal") else "<="
        return f"{_q(kwargs['column_A'])} {op} {_q(kwargs['column_B'])}"
    col = _q(kwargs["column"])
    if kind == "expect_column_values_to_not_be_null":
        return f"({col} IS NULL OR isnan({col}))" if arrow_type in _FLOAT_TYPES else f"{col} IS NULL"
    if kind == "expect_column_values_to_be_in_set":
        sql_params[key] = list(kwargs["value_set"])
        return f"NOT list_contains(${key}, {col})"
    if kind in ("expect_column_values_to_be_between", "expect_column_value_lengths_to_be_between"):
        measure = col if kind == "expect_column_values_to_be_between" else f"length({col})"
        tests = []
        for bound, strict_op, loose_op in (("min", "<=", "<"), ("max", ">=", ">")):
            value = kwargs.get(f"{bound}_value")
            if value is None:
                continue
            if isinstance(value, dict):  # {"$PARAMETER": name}
                value = params[value["$PARAMETER"]]
            sql_params[f"{key}{bound}"] = value
            op = strict_op if kwargs.get(f"strict_{bound}") else loose_op
            tests.append(f"{measure} {op} ${key}{bound}")
        return "(" + " OR ".join(tests) + ")"
    raise ValueError(f"no SQL for row expectation {kind!r}; add it here or drop it from the suite")


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
