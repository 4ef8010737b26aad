"""validate(): a frame that keeps the contract passes; each broken promise fails, named."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from data_contracts.runner import validate
from data_contracts.suites import load_suite
from features.catalogue import CATEGORY, COUNT, FEATURES, PERCENT

DAY = dt.date(2026, 3, 2)
START = dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc)


def features_frame(n: int = 4) -> pd.DataFrame:
    columns = {"feature_date": [DAY] * n, "account_id": [f"a{i}" for i in range(n)], "campaign_id": [None] * n}
    for f in FEATURES:
        value = {PERCENT: 0.5, COUNT: 3.0, CATEGORY: 1}.get(f.unit, 2.5)
        columns[f.name] = np.full(n, value, dtype=np.int32 if f.unit == CATEGORY else np.float64)
    return pd.DataFrame(columns)


def scores_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "score_date": [DAY] * 3, "account_id": ["a", "b", "c"], "risk_score": [0.01, 0.5, 0.999],
        "risk_tier": ["none", "verify", "suspend_review"], "campaign_id": [None, "c1", "c1"],
        "model_name": ["distillguard-risk"] * 3, "model_version": ["3"] * 3,
        "reasons": [[], [], []], "published_at": [pd.Timestamp("2026-03-03T01:00Z")] * 3,
    })


def usage_frame() -> pd.DataFrame:
    n = 3
    return pd.DataFrame({
        "request_id": ["r1", "r2", "r3"], "ts": pd.to_datetime(["2026-03-02T00:00:00Z", "2026-03-02T12:00:00Z", "2026-03-02T23:59:59Z"]),
        "account_id": ["a"] * n, "api_key_id": ["k"] * n, "ip": ["203.0.113.1"] * n, "asn": [64500] * n,
        "ip_kind": ["residential", "mobile", "unknown"], "country": ["US"] * n, "user_agent": ["sdk"] * n,
        "model": ["model-large-2"] * n, "input_tokens": [1, 2, 3], "output_tokens": [4, 5, 6],
        "reasoning_tokens": [0, 0, 0], "status": [200, 429, 529], "latency_ms": [10, 20, 30],
        "prompt_simhash": [1, 2, 3], "system_prompt_hash": [None, "ab", None], "topic": ["coding", "math", "other"],
        "cot_elicitation": [True, False, False], "turn_index": [1, 2, 1], "tool_count": [0, 0, 2],
        "temperature": np.array([0.0, 1.0, 2.0], dtype=np.float32),
    })


def day_params():
    return {"day_start": START, "day_end": START + dt.timedelta(days=1)}


def test_good_feature_table_passes():
    result = validate(features_frame(), "account_features")
    assert result.success, result.summary()


def test_features_out_of_range_or_null_fail_each_naming_its_column():
    """One frame, one break per row (GX takes seconds a call): each must be reported."""
    breaks = {"cot_share_7d": 1.5, "requests_7d": -1.0, "verification": 4, "requests_1d": 0.0,
              "distinct_ips_1d": np.nan}
    frame = features_frame(len(breaks))
    for row, (column, value) in enumerate(breaks.items()):
        frame.loc[row, column] = value
    result = validate(frame, "account_features")
    assert not result.success
    assert sorted(f.column for f in result.failures) == sorted(breaks)
    assert all(column in result.summary() for column in breaks)


def test_two_rows_for_one_account_fail_the_feature_contract():
    frame = features_frame()
    frame.loc[1, "account_id"] = "a0"
    assert [f.expectation for f in validate(frame, "account_features").failures] == ["expect_column_values_to_be_unique"]


def test_feature_table_missing_a_catalogue_column_fails():
    result = validate(features_frame().drop(columns=["campaign_sync_share"]), "account_features")
    assert "expect_table_columns_to_match_set" in [f.expectation for f in result.failures]
    assert "campaign_sync_share" in result.summary()


def test_good_scores_pass():
    assert validate(scores_frame(), "account_scores").success


def test_broken_score_promises_fail_each_named():
    frame = scores_frame()
    frame.loc[0, "risk_score"] = 1.2
    frame.loc[1, "risk_tier"] = "ban"
    frame.loc[2, "model_version"] = None
    frame.loc[2, "account_id"] = "a"
    result = validate(frame, "account_scores")
    assert sorted((f.expectation, f.column) for f in result.failures) == [
        ("expect_column_values_to_be_between", "risk_score"),
        ("expect_column_values_to_be_in_set", "risk_tier"),
        ("expect_column_values_to_be_unique", "account_id"),
        ("expect_column_values_to_not_be_null", "model_version"),
    ]


def test_good_usage_day_passes_the_input_contract():
    result = validate(usage_frame(), "usage_logs", **day_params())
    assert result.success, result.summary()


BAD_USAGE = [
    {"ts": pd.Timestamp("2026-03-03T00:00:00Z")}, {"output_tokens": -1}, {"ip_kind": "satellite"},
    {"status": 418}, {"account_id": ""}, {"api_key_id": None}, {"country": "USA"}, {"turn_index": 0},
    {"latency_ms": -1}, {"topic": "poetry"},
]


def test_usage_suite_and_quarantine_split_give_the_same_reasons():
    """One rule source: GX on the suite and ingest's SQL from the same suite fail the same
    rows for the same reasons."""
    import duckdb

    from data_contracts.row_rules import row_split
    from data_contracts.suites import arrow_types

    frame = pd.concat([usage_frame().iloc[[0]].assign(**change) for change in BAD_USAGE], ignore_index=True)
    frame["request_id"] = [f"r{i}" for i in range(len(frame))]
    suite = load_suite("usage_logs")
    split = row_split(suite, arrow_types(suite), day_params())
    con = duckdb.connect()
    con.register("usage", frame)
    sql = f"SELECT {split.reason_sql} AS reason FROM usage"
    used = {k: v for k, v in split.params.items() if f"${k}" in sql}
    sql_reasons = [r for (r,) in con.execute(sql, used).fetchall()]
    assert None not in sql_reasons and len(set(sql_reasons)) == len(BAD_USAGE)

    reason_of = {(e["type"], e["kwargs"].get("column")): e["meta"].get("reason") for e in suite["expectations"]}
    result = validate(frame, "usage_logs", **day_params())
    assert {reason_of[(f.expectation, f.column)] for f in result.failures} == set(sql_reasons)


def test_ingested_clean_day_passes_the_clean_usage_contract(tmp_path):
    """Ingest's output keeps the contract it enforced: same rules, `ip` as two hashes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from config.settings import Settings
    from data_contracts.suites import arrow_types
    from features.ingest import ingest_day

    types = arrow_types(load_suite("usage_logs"))
    schema = pa.schema([(c, pa.timestamp("us", tz="UTC") if t.startswith("timestamp") else pa.type_for_alias(t))
                        for c, t in types.items()])
    folder = tmp_path / "usage_logs" / f"date={DAY}"
    folder.mkdir(parents=True)
    pq.write_table(pa.Table.from_pandas(usage_frame(), schema=schema, preserve_index=False), folder / "p.parquet")
    ingested = ingest_day(tmp_path, DAY, Settings(raw_root=tmp_path), ["a"])
    assert ingested.ok and ingested.counts["kept"] == 3
    result = validate(ingested.clean.to_pandas(), "clean_usage", **day_params())
    assert result.success, result.summary()
