"""Account-day aggregates on hand-made requests, answers worked out by hand."""

import datetime as dt

import ibis
import pytest

from features.aggregates import account_day, account_day_models
from tests.features.conftest import accounts_table, by_account, usage_table

US_ACCOUNT = accounts_table({"account_id": "a1", "billing_country": "US"})


def aggregate(duck, *requests, accounts=US_ACCOUNT):
    return by_account(duck, account_day(ibis.memtable(usage_table(*requests)), ibis.memtable(accounts)))


def test_counts_token_sums_and_request_flags(duck):
    row = aggregate(
        duck,
        dict(topic="coding", cot_elicitation=True, turn_index=1, tool_count=0, temperature=0.0,
             status=200, input_tokens=100, output_tokens=7, reasoning_tokens=0),
        dict(topic="coding", cot_elicitation=False, turn_index=2, tool_count=2, temperature=0.7,
             status=429, input_tokens=250, output_tokens=3, reasoning_tokens=40),
        dict(topic="math", cot_elicitation=True, turn_index=1, tool_count=0, temperature=0.0,
             status=500, input_tokens=50, output_tokens=0, reasoning_tokens=2),
    )["a1"]  # fmt: skip
    assert row["day"] == dt.date(2026, 3, 10)
    sums = ("requests", "input_tokens", "output_tokens", "reasoning_tokens")
    assert [row[c] for c in sums] == [3, 400, 10, 42]
    topics = ("topic_coding_requests", "topic_math_requests", "topic_chat_requests")
    assert [row[c] for c in topics] == [2, 1, 0]
    assert row["cot_requests"] == 2
    assert row["single_turn_requests"] == 2
    assert row["tool_requests"] == 1
    assert row["temperature_zero_requests"] == 2
    assert row["rate_limited_requests"] == 1


def test_hour_histogram_and_local_night(duck):
    row = aggregate(
        duck,
        dict(ts="01:00:00", country="US"),  # 20:00 in the US (UTC-5): day
        dict(ts="05:00:00", country="JP"),  # 14:00 in Japan: day
        dict(ts="20:00:00", country="JP"),  # 05:00 in Japan: night
        dict(ts="23:30:00", country="DE"),  # 00:30 in Germany: night
        dict(ts="03:00:00", country="ZZ"),  # unknown country, read as UTC: night
        dict(ts="03:59:59", country="ZZ"),
    )["a1"]
    hours = {h: row[f"hour_{h:02d}_requests"] for h in range(24)}
    assert hours == {h: {1: 1, 3: 2, 5: 1, 20: 1, 23: 1}.get(h, 0) for h in range(24)}
    assert row["night_requests"] == 4


def test_interarrival_gaps_are_within_the_account(duck):
    rows = aggregate(
        duck,
        dict(ts="00:00:30.5"),  # out of order on purpose
        dict(ts="00:00:00"),
        dict(ts="00:00:10"),
        dict(ts="00:00:05", account_id="a2"),
    )
    assert (rows["a1"]["gap_count"], rows["a1"]["gap_sum_s"]) == (2, 30.5)
    assert rows["a1"]["gap_sq_sum_s"] == pytest.approx(10**2 + 20.5**2)
    assert rows["a2"]["gap_count"] == 0


def test_gaps_count_whole_milliseconds(duck):
    row = aggregate(duck, dict(ts="00:00:00.000900"), dict(ts="00:00:01.000100"))["a1"]
    assert row["gap_sum_s"] == 1.0  # 0 ms to 1000 ms: sub-millisecond digits dropped


def test_gap_sums_are_exact(duck):
    # three 0.1 s gaps: 0.1 + 0.1 + 0.1 is 0.30000000000000004 in float64 seconds
    row = aggregate(duck, *(dict(ts=f"00:00:00.{t}00") for t in (0, 1, 2, 3)))["a1"]
    assert (row["gap_count"], row["gap_sum_s"], row["gap_sq_sum_s"]) == (3, 0.3, 0.03)


def test_distinct_counts_and_top_values(duck):
    rows = aggregate(
        duck,
        dict(ip_hash="i1", ip_prefix="p1", asn=1, country="US", api_key_id="k1", user_agent="u1",
             prompt_simhash=5, system_prompt_hash=None),
        dict(ip_hash="i1", ip_prefix="p1", asn=2, country="US", api_key_id="k2", user_agent="u1",
             prompt_simhash=5, system_prompt_hash=None),
        dict(ip_hash="i2", ip_prefix="p1", asn=2, country="DE", api_key_id="k3", user_agent="u1",
             prompt_simhash=7, system_prompt_hash="s1"),
        dict(account_id="a2", prompt_simhash=5, system_prompt_hash=None),
    )  # fmt: skip
    a1 = rows["a1"]
    assert (a1["distinct_ips"], a1["distinct_prefixes"], a1["distinct_asns"]) == (2, 1, 2)
    assert (a1["distinct_countries"], a1["distinct_api_keys"], a1["distinct_user_agents"]) == (2, 3, 1)
    assert (a1["distinct_templates"], a1["top_template_requests"]) == (2, 2)
    # two requests without a system prompt do not "share" one
    assert (a1["distinct_system_prompts"], a1["top_system_prompt_requests"]) == (1, 1)
    assert (rows["a2"]["distinct_system_prompts"], rows["a2"]["top_system_prompt_requests"]) == (0, 0)
    assert (rows["a2"]["distinct_templates"], rows["a2"]["top_template_requests"]) == (1, 1)


def test_ip_kinds(duck):
    kinds = ["residential", "mobile", "mobile", "datacenter", "vpn_proxy", "unknown"]
    rows = aggregate(duck, *(dict(ip_kind=k) for k in kinds), dict(account_id="a2", ip_kind="unknown"))
    kinds = ("residential", "mobile", "datacenter", "vpn_proxy")
    assert [rows["a1"][f"{k}_requests"] for k in kinds] == [1, 2, 1, 1]
    assert [rows["a2"][f"{k}_requests"] for k in kinds] == [0, 0, 0, 0]  # zero, not null


def test_billing_country_mismatch(duck):
    accounts = accounts_table(
        {"account_id": "a1", "billing_country": "US"},
        {"account_id": "a2", "billing_country": None},
    )
    rows = aggregate(
        duck,
        dict(country="US"), dict(country="DE"), dict(country="FR"),
        dict(account_id="a2", country="DE"),
        dict(account_id="a3", country="DE"),  # not in the accounts snapshot
        accounts=accounts,
    )  # fmt: skip
    assert rows["a1"]["billing_mismatch_requests"] == 2
    # unknown billing country: nothing counted here, the window reports it as unknown
    assert rows["a2"]["billing_mismatch_requests"] == 0
    assert rows["a3"]["billing_mismatch_requests"] == 0


def test_one_row_per_account_and_day(duck):
    day1 = dt.datetime(2026, 3, 9, 23, 59, 59, tzinfo=dt.timezone.utc)
    day2 = dt.datetime(2026, 3, 10, 0, 0, 1, tzinfo=dt.timezone.utc)
    usage = ibis.memtable(usage_table(dict(ts=day1), dict(ts=day2), dict(ts=day2, account_id="a2")))
    out = duck.to_pyarrow(account_day(usage, ibis.memtable(US_ACCOUNT))).to_pylist()
    got = sorted((r["account_id"], r["day"], r["requests"], r["gap_count"]) for r in out)
    # the gap across midnight belongs to no day
    assert got == [("a1", day1.date(), 1, 0), ("a1", day2.date(), 1, 0), ("a2", day2.date(), 1, 0)]


def test_requests_per_account_and_model(duck):
    usage = ibis.memtable(usage_table(dict(model="m-1"), dict(model="m-2"), dict(model="m-2"),
                                      dict(model="m-2", account_id="a2")))  # fmt: skip
    out = duck.to_pyarrow(account_day_models(usage)).to_pylist()
    got = sorted((r["account_id"], r["day"].isoformat(), r["model"], r["requests"]) for r in out)
    day = "2026-03-10"
    assert got == [("a1", day, "m-1", 1), ("a1", day, "m-2", 2), ("a2", day, "m-2", 1)]
