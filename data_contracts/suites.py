"""The Great Expectations suites, stored as JSON in `suites/`, and where they come from.

`usage_logs`, `accounts`, `enforcement_labels` (input contracts, whose row rules also
drive ingest's quarantine) and `account_scores` are written by hand from the shared
contracts. `account_features` is generated from `features.catalogue`, so the feature
contract cannot drift from the feature list: `python -m data_contracts.suites` rewrites
it, and a test fails while the stored file differs. `clean_usage` is derived from
`usage_logs` on load: the same rules after ingest replaced `ip` by its hashes.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from features.catalogue import CATEGORY, COUNT, DAYS, FEATURES, PERCENT

SUITES_DIR = Path(__file__).resolve().parent / "suites"

# Features every active account has, whatever its history: counts of its own day and week.
# The others may be NaN (one request has no inter-arrival time, no account row no age …).
_ALWAYS_DEFINED_GROUPS = ("volume", "timing", "network", "keys")


@cache
def _stored(name: str) -> str:
    path = SUITES_DIR / f"{name}.json"
    if not path.is_file():
        known = sorted(p.stem for p in SUITES_DIR.glob("*.json"))
        raise KeyError(f"no suite {name!r}; known: {known}")
    return path.read_text()


def load_suite(name: str) -> dict:
    """The suite as a plain dict (a fresh copy: callers may not alter the stored one)."""
    if name == "clean_usage":
        return clean_usage_suite()
    return json.loads(_stored(name))


def clean_usage_suite() -> dict:
    """The usage suite as it applies after ingest, where `ip` has become `ip_hash` and
    `ip_prefix`: derived, not stored, so the two cannot disagree on any other rule."""
    suite = load_suite("usage_logs")
    suite["name"] = "clean_usage"
    expectations = []
    for expectation in suite["expectations"]:
        kwargs = expectation["kwargs"]
        if expectation["type"] == "expect_table_columns_to_match_set":
            kwargs["column_set"] = _hashed_ip(kwargs["column_set"])
            types = expectation["meta"]["arrow_types"]
            expectation["meta"]["arrow_types"] = {c: types.get(c, "string") for c in _hashed_ip(types)}
        if kwargs.get("column") == "ip":
            expectations += [{**expectation, "kwargs": {**kwargs, "column": c}} for c in ("ip_hash", "ip_prefix")]
        else:
            expectations.append(expectation)
    suite["expectations"] = expectations
    return suite


def _hashed_ip(columns) -> list[str]:
    return [name for c in columns for name in (("ip_hash", "ip_prefix") if c == "ip" else (c,))]


def arrow_types(suite: dict) -> dict[str, str]:
    """Column → Arrow type name, kept in the meta of the suite's column-set expectation."""
    for expectation in suite["expectations"]:
        if expectation["type"] == "expect_table_columns_to_match_set":
            return expectation["meta"]["arrow_types"]
    raise KeyError(f"suite {suite['name']!r} has no column-set expectation with arrow_types")


def account_features_suite() -> dict:
    """One row per active account, and the ranges each catalogue unit allows."""
    expectations: list[dict] = [
        _expect("expect_table_columns_to_match_set",
                column_set=["feature_date", "account_id", "campaign_id", *(f.name for f in FEATURES)],
                exact_match=True),
        _expect("expect_column_values_to_not_be_null", column="feature_date"),
        _expect("expect_column_values_to_not_be_null", column="account_id"),
        _expect("expect_column_values_to_be_unique", column="account_id"),
        # Active means at least one request on the day.
        _expect("expect_column_values_to_be_between", column="requests_1d", min_value=1),
    ]
    for f in FEATURES:
        if f.unit == COUNT and f.group in _ALWAYS_DEFINED_GROUPS:
            expectations.append(_expect("expect_column_values_to_not_be_null", column=f.name))
        if f.unit == PERCENT:
            expectations.append(_expect("expect_column_values_to_be_between", column=f.name,
                                        min_value=0, max_value=1))
        elif f.unit in (COUNT, DAYS):
            expectations.append(_expect("expect_column_values_to_be_between", column=f.name,
                                        min_value=0))
        elif f.unit == CATEGORY:  # -1 is the catalogue's code for "unknown"
            expectations.append(_expect("expect_column_values_to_be_between", column=f.name,
                                        min_value=-1, max_value=len(f.categories) - 1))
    return {
        "name": "account_features",
        "meta": {"notes": "Generated from features.catalogue by `python -m data_contracts.suites`; do not edit."},
        "expectations": expectations,
    }


def _expect(kind: str, **kwargs) -> dict:
    return {"type": kind, "kwargs": kwargs}


def render(suite: dict) -> str:
    return json.dumps(suite, indent=2) + "\n"


if __name__ == "__main__":
    (SUITES_DIR / "account_features.json").write_text(render(account_features_suite()))
