"""Window features of day D from hand-made multi-day requests, answers worked out by hand."""

import datetime as dt
import math

import ibis
import pyarrow as pa
import pytest

from features.aggregates import account_day, account_day_models
from features.windows import WINDOW_FEATURES, _with_others_sharing, window_features
from tests.features.conftest import UTC, accounts_table, by_account, usage_table

D = dt.date(2026, 3, 10)


def at(days_before: int, clock: str = "12:00:00") -> dt.datetime:
    return dt.datetime.combine(D - dt.timedelta(days_before), dt.time.fromisoformat(clock), UTC)


def features(duck, *requests, accounts=None):
    """Window features of D from requests spread over several days."""
    usage = ibis.memtable(usage_table(*requests))
    if accounts is None:
        ids = sorted({r.get("account_id", "a1") for r in requests})
        accounts = accounts_table(*({"account_id": a} for a in ids))
    accounts = ibis.memtable(accounts)
    aggregates = ibis.memtable(duck.to_pyarrow(account_day(usage, accounts)))
    models = ibis.memtable(duck.to_pyarrow(account_day_models(usage)))
    return by_account(duck, window_features(aggregates, models, accounts, D))


def test_columns_are_the_catalogue_non_campaign_features(duck):
    row = features(duck, dict(ts=at(0)))["a1"]
    assert list(row) == ["account_id", *WINDOW_FEATURES]


def test_volume_over_one_and_seven_days(duck):
    rows = features(
        duck,
        dict(ts=at(7), input_tokens=9_999, output_tokens=9_999),  # outside the window
        dict(ts=at(3), input_tokens=100, output_tokens=10, reasoning_tokens=5),
        dict(ts=at(3), input_tokens=200, output_tokens=20, reasoning_tokens=0),
        dict(ts=at(0), input_tokens=300, output_tokens=30, reasoning_tokens=1),
        dict(ts=at(3), account_id="a2"),  # not active on D: no row
    )
    assert set(rows) == {"a1"}
    a1 = rows["a1"]
    assert (a1["requests_1d"], a1["requests_7d"], a1["active_days_7d"]) == (1, 3, 2)
    assert a1["input_tokens_per_request_7d"] == 200
    assert a1["output_tokens_per_request_7d"] == 20
    assert a1["reasoning_tokens_per_request_7d"] == 2
    assert a1["output_input_ratio_7d"] == pytest.approx(60 / 600)


def test_output_input_ratio_is_unknown_without_input_tokens(duck):
    assert features(duck, dict(ts=at(0), input_tokens=0))["a1"]["output_input_ratio_7d"] is None


def test_hour_entropy_active_hours_and_regularity(duck):
    rows = features(
        duck,
        # a1: 7-day hour histogram {1: 3, 2: 1, 3: 2}
        dict(ts=at(1, "02:00:00")), dict(ts=at(1, "03:00:00")), dict(ts=at(2, "03:30:00")),
        dict(ts=at(0, "01:00:00")), dict(ts=at(0, "01:00:10")), dict(ts=at(0, "01:00:40")),
        dict(ts=at(0, "03:00:00"), account_id="a2"), dict(ts=at(0, "03:00:30"), account_id="a2"),
    )  # fmt: skip
    a1 = rows["a1"]
    assert a1["hour_entropy_7d"] == pytest.approx(-sum(p * math.log2(p) for p in (3 / 6, 1 / 6, 2 / 6)))
    assert a1["active_hours_1d"] == 1
    # gaps on D: 10 s and 30 s -> mean 20, std 10
    assert a1["interarrival_cv_1d"] == pytest.approx(0.5)
    assert rows["a2"]["interarrival_cv_1d"] is None  # one gap is no regularity
    assert rows["a2"]["hour_entropy_7d"] == 0


def test_night_share_uses_the_requests_country(duck):
    rows = features(
        duck, dict(ts=at(1, "20:00:00"), country="JP"), dict(ts=at(0, "20:00:00"), country="US")
    )
    assert rows["a1"]["night_share_7d"] == 0.5  # 05:00 in Japan, 15:00 in the US


def test_content_shape(duck):
    rows = features(
        duck,
        dict(ts=at(2), topic="coding", cot_elicitation=True, turn_index=1, tool_count=1,
             temperature=0.0, system_prompt_hash="s1", prompt_simhash=1),
        dict(ts=at(2), topic="coding", cot_elicitation=False, turn_index=3, tool_count=0,
             temperature=0.5, system_prompt_hash="s1", prompt_simhash=1),
        dict(ts=at(2), topic="chat", cot_elicitation=False, turn_index=1, tool_count=0,
             temperature=1.0, system_prompt_hash=None, prompt_simhash=1),
        dict(ts=at(0), topic="reasoning", cot_elicitation=True, turn_index=2, tool_count=0,
             temperature=0.0, system_prompt_hash="s2", prompt_simhash=8),
        dict(ts=at(0), topic="math", cot_elicitation=True, turn_index=1, tool_count=4,
             temperature=0.0, system_prompt_hash="s3", prompt_simhash=8),
        dict(ts=at(0), topic="coding", cot_elicitation=False, turn_index=1, tool_count=0,
             temperature=0.0, system_prompt_hash=None, prompt_simhash=9),
    )  # fmt: skip
    a1 = rows["a1"]
    assert a1["topic_top_share_7d"] == pytest.approx(3 / 6)  # coding
    assert a1["high_value_topic_share_7d"] == pytest.approx(4 / 6)  # 3 coding + 1 reasoning
    assert a1["cot_share_1d"] == pytest.approx(2 / 3)
    assert a1["cot_share_7d"] == pytest.approx(3 / 6)
    assert a1["single_turn_share_7d"] == pytest.approx(4 / 6)
    assert a1["templates_per_request_1d"] == pytest.approx(2 / 3)
    assert a1["top_template_share_1d"] == pytest.approx(2 / 3)
    # daily tops: s1 twice on D-2, one of s2/s3 on D -> (2 + 1) / 6
    assert a1["system_prompt_top_share_7d"] == pytest.approx(3 / 6)
    assert a1["tool_request_share_7d"] == pytest.approx(2 / 6)
    assert a1["temperature_zero_share_7d"] == pytest.approx(4 / 6)


def test_network_keys_and_errors(duck):
    accounts = accounts_table(
        {"account_id": "a1", "billing_country": "DE"}, {"account_id": "a2", "billing_country": None}
    )
    rows = features(
        duck,
        dict(ts=at(1), ip_kind="datacenter", country="DE", status=429, ip_hash="x"),
        dict(ts=at(0), ip_kind="residential", country="DE", ip_hash="i1", ip_prefix="p1", asn=1,
             api_key_id="k1", user_agent="u1"),
        dict(ts=at(0), ip_kind="mobile", country="FR", ip_hash="i2", ip_prefix="p1", asn=2,
             api_key_id="k1", user_agent="u2", status=429),
        dict(ts=at(0), ip_kind="vpn_proxy", country="US", ip_hash="i3", ip_prefix="p2", asn=2,
             api_key_id="k2", user_agent="u2"),
        dict(ts=at(0), account_id="a2"),
        accounts=accounts,
    )  # fmt: skip
    a1 = rows["a1"]
    assert (a1["distinct_ips_1d"], a1["distinct_prefixes_1d"], a1["distinct_asns_1d"]) == (3, 2, 2)
    assert (a1["distinct_countries_1d"], a1["api_keys_1d"], a1["user_agents_1d"]) == (3, 2, 2)
    assert a1["residential_proxy_share_7d"] == pytest.approx(2 / 4)
    assert a1["datacenter_share_7d"] == pytest.approx(1 / 4)
    assert a1["vpn_proxy_share_7d"] == pytest.approx(1 / 4)
    assert a1["billing_country_mismatch_7d"] == pytest.approx(2 / 4)
    assert a1["rate_limited_share_7d"] == pytest.approx(2 / 4)
    assert rows["a2"]["billing_country_mismatch_7d"] is None


def test_release_pivot_against_the_accounts_own_past(duck):
    rows = features(
        duck,
        dict(ts=at(9), model="m-old", account_id="a3"),  # first stored day
        *[dict(ts=at(2), model="m-old")] * 4,
        dict(ts=at(1), model="m-new"),  # m-new first seen on D-1
        *[dict(ts=at(1), model="m-old")] * 3,
        *[dict(ts=at(0), model="m-new")] * 3,
        dict(ts=at(0), model="m-old"),
        *[dict(ts=at(0), model="m-old", account_id="a2")] * 2,
        dict(ts=at(0), model="m-newest", account_id="a3"),  # first seen on D
    )
    a1 = rows["a1"]
    assert a1["new_model_share_1d"] == pytest.approx(3 / 4)
    # its past week (D-2, D-1): 1 of 8 requests already on m-new
    assert a1["new_model_pivot_1d"] == pytest.approx(3 / 4 - 1 / 8)
    assert (rows["a2"]["new_model_share_1d"], rows["a2"]["new_model_pivot_1d"]) == (0, 0)
    assert (rows["a3"]["new_model_share_1d"], rows["a3"]["new_model_pivot_1d"]) == (1, 1)


def test_models_seen_on_the_first_stored_day_or_earlier_than_d_minus_1_are_old(duck):
    rows = features(
        duck,
        dict(ts=at(1), model="m-a"),  # first stored day: predates the history
        dict(ts=at(0), model="m-a"),
    )
    assert rows["a1"]["new_model_share_1d"] == 0
    later = features(
        duck,
        dict(ts=at(5), model="m-a"),
        dict(ts=at(2), model="m-b"),  # first seen D-2: no longer new on D
        dict(ts=at(0), model="m-b"),
    )
    assert later["a1"]["new_model_share_1d"] == 0


def test_account_attributes_are_point_in_time(duck):
    t = lambda s: dt.datetime.fromisoformat(s).replace(tzinfo=UTC)  # noqa: E731
    accounts = accounts_table(
        dict(account_id="a1", created_at=t("2026-03-01 12:00"), verification="phone", tier="paid",
             program="research", payment_fingerprint="pay1", card_bin="411111", signup_prefix="sp1"),
        dict(account_id="a2", created_at=t("2026-03-02 11:00"), payment_fingerprint="pay1",
             card_bin="411111", signup_prefix="sp1"),
        dict(account_id="a3", created_at=t("2026-03-02 13:00"), payment_fingerprint="pay2",
             card_bin="411111", signup_prefix="sp2"),
        dict(account_id="a4", created_at=t("2026-03-11 00:00"), payment_fingerprint="pay1",
             card_bin="411111", signup_prefix="sp1"),  # created after D: does not count
        dict(account_id="a5", created_at=t("2026-03-10 23:59"), verification="passport",
             tier="enterprise", program="startup"),
    )  # fmt: skip
    active = ("a1", "a2", "a3", "a5")
    rows = features(duck, *(dict(ts=at(0), account_id=a) for a in active), accounts=accounts)
    got = {
        a: tuple(r[k] for k in ("account_age_days", "verification", "account_tier", "program",
                                "payment_shared_accounts", "card_bin_signup_burst",
                                "signup_ip_shared_accounts"))
        for a, r in rows.items()
    }  # fmt: skip
    assert got == {
        "a1": (9, 2, 1, 2, 1, 1, 1),  # a2 within 23 h; a3 25 h later is outside
        "a2": (8, 1, 0, 0, 1, 2, 1),
        "a3": (8, 1, 0, 0, 0, 1, 0),
        "a5": (0, -1, 2, 3, 0, 0, 0),
    }


def test_others_sharing_a_key(duck):
    accounts = ibis.memtable({"account_id": ["a1", "a2", "a3", "a4", "a5"],
                              "key": ["k1", "k1", "k1", "k2", None]})  # fmt: skip
    table = accounts.filter(accounts.account_id != "a3")  # a3 is counted, not listed
    got = duck.to_pyarrow(_with_others_sharing(table, accounts, "key", "others")).to_pylist()
    assert {r["account_id"]: r["others"] for r in got} == {"a1": 2, "a2": 2, "a4": 0, "a5": 0}


def test_feature_types(duck):
    usage = ibis.memtable(usage_table(dict(ts=at(0))))
    accounts = ibis.memtable(accounts_table({"account_id": "a1"}))
    window = window_features(account_day(usage, accounts), account_day_models(usage), accounts, D)
    schema = duck.to_pyarrow(window).schema
    assert schema.field("verification").type == pa.int32()
    assert schema.field("requests_1d").type == pa.float64()
