"""The stored suites: generated ones match their source, every row rule names a reason."""

from __future__ import annotations

import pytest

from data_contracts.row_rules import row_split
from data_contracts.suites import SUITES_DIR, account_features_suite, arrow_types, load_suite, render
from features.catalogue import ACCOUNT_TIER, FEATURES, PROGRAM, VERIFICATION

ROW_SUITES = ["usage_logs", "clean_usage", "accounts", "enforcement_labels"]


def test_stored_account_features_suite_matches_the_catalogue():
    stored = (SUITES_DIR / "account_features.json").read_text()
    assert stored == render(account_features_suite()), "run `python -m data_contracts.suites`"


def test_account_features_suite_bounds_every_catalogue_feature():
    bounded = {e["kwargs"]["column"] for e in account_features_suite()["expectations"]
               if e["type"] == "expect_column_values_to_be_between"}
    assert {f.name for f in FEATURES if f.unit in ("percent", "count", "days", "category")} <= bounded


@pytest.mark.parametrize("name", ROW_SUITES)
def test_every_row_rule_compiles_to_sql_with_a_reason(name):
    suite = load_suite(name)
    params = {"day_start": None, "day_end": None}
    split = row_split(suite, arrow_types(suite), params)
    rules = [e for e in suite["expectations"] if e["type"] != "expect_table_columns_to_match_set"]
    assert all(e["meta"]["reason"] for e in rules)
    assert split.reason_sql.count("WHEN") == len(rules) - 1  # minus the uniqueness rule


def test_a_rule_sql_cannot_express_fails_loudly():
    suite = {"name": "x", "expectations": [
        {"type": "expect_column_values_to_match_regex", "kwargs": {"column": "c", "regex": "a"},
         "meta": {"reason": "r"}}]}
    with pytest.raises(ValueError, match="no SQL for row expectation"):
        row_split(suite, {"c": "string"}, {})


def test_account_enums_are_the_catalogues():
    sets = {e["kwargs"]["column"]: tuple(e["kwargs"]["value_set"]) for e in load_suite("accounts")["expectations"]
            if e["type"] == "expect_column_values_to_be_in_set"}
    assert sets == {"verification": VERIFICATION, "tier": ACCOUNT_TIER, "program": PROGRAM}


def test_clean_usage_swaps_ip_for_its_hashes_and_keeps_every_other_rule():
    raw, clean = load_suite("usage_logs"), load_suite("clean_usage")
    assert "ip" not in arrow_types(clean) and {"ip_hash", "ip_prefix"} <= set(arrow_types(clean))
    others = lambda suite: [e for e in suite["expectations"][1:] if "ip" not in e["kwargs"].get("column", "")[:2]]
    assert others(raw) == others(clean)
