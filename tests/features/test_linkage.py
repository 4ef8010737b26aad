"""Linkage keys on hand-made days: each key kind links what it should and nothing else."""

from __future__ import annotations

import datetime as dt
import zlib

import ibis
import numpy as np
import pandas as pd
import pytest

from features import linkage as lk

DAY = dt.date(2026, 11, 29)
BASE = 0x0123_4567_89AB_CDEF


def request(account: str, ts: str = "2026-11-29 10:00:00", **overrides) -> dict:
    row = dict(
        request_id=f"{account}-{ts}-{len(overrides)}",
        ts=pd.Timestamp(ts, tz="UTC"),
        account_id=account,
        api_key_id=f"key-{account}",
        ip_hash=f"ip-{account}",
        ip_prefix=f"range-{account}",
        asn=100,
        ip_kind="residential",
        country="US",
        user_agent="sdk/1.0",
        model="model-large-2",
        input_tokens=10,
        output_tokens=20,
        reasoning_tokens=0,
        status=200,
        latency_ms=100,
        prompt_simhash=zlib.crc32(account.encode()) << 20,
        system_prompt_hash=None,
        topic="coding",
        cot_elicitation=False,
        turn_index=1,
        tool_count=0,
        temperature=0.0,
    )
    row.update(overrides)
    return row


def account(account_id: str, created_at: str = "2026-10-01 12:00:00", **overrides) -> dict:
    row = dict(
        account_id=account_id,
        created_at=pd.Timestamp(created_at, tz="UTC"),
        org_id=None,
        email_domain="example.com",
        payment_fingerprint=f"pay-{account_id}",
        card_bin=f"4{zlib.crc32(account_id.encode()) % 10**5:05d}",
        billing_country="US",
        verification="email",
        tier="paid",
        program="none",
        signup_ip_hash=f"sip-{account_id}",
        signup_prefix=f"sprefix-{account_id}",
        signup_user_agent=f"client-{account_id}",
    )
    row.update(overrides)
    return row


def keys_of(requests: list[dict], accounts: list[dict], **kwargs) -> pd.DataFrame:
    usage = pd.DataFrame(requests).astype({"asn": "int32", "prompt_simhash": "int64"})
    accounts_df = pd.DataFrame(accounts).astype({"org_id": "string", "card_bin": "string"})
    keys = lk.linkage_keys(ibis.memtable(usage), ibis.memtable(accounts_df), DAY, **kwargs)
    return keys.to_pandas()


def holder_sets(keys: pd.DataFrame, kind: str) -> set[frozenset[str]]:
    """The groups of accounts that share one key of `kind`."""
    of_kind = keys[keys.key_kind == kind]
    return {frozenset(g) for g in of_kind.groupby("key").account_id.agg(set)}


def accounts_and_activity(*ids: str, **account_overrides) -> tuple[list[dict], list[dict]]:
    return [request(a) for a in ids], [account(a, **account_overrides.get(a, {})) for a in ids]


def test_payment_instrument_links_its_holders_only():
    requests, accounts = accounts_and_activity(
        "a", "b", "c", a={"payment_fingerprint": "P"}, b={"payment_fingerprint": "P"},
        c={"payment_fingerprint": None},
    )
    assert holder_sets(keys_of(requests, accounts), lk.PAYMENT) == {frozenset("ab")}


def test_card_bin_burst_across_midnight_links_but_days_apart_does_not():
    requests, accounts = accounts_and_activity(
        "a", "b", "c",
        a={"card_bin": "411111", "created_at": "2026-11-20 23:00:00"},
        b={"card_bin": "411111", "created_at": "2026-11-21 03:00:00"},  # 4 h later, next day
        c={"card_bin": "411111", "created_at": "2026-11-23 23:30:00"},  # 3 days later
    )
    assert holder_sets(keys_of(requests, accounts), lk.CARD_BIN_SIGNUP) == {frozenset("ab")}


def test_address_range_of_the_day_links_accounts_behind_it():
    requests = [request("a", ip_prefix="R"), request("b", ip_prefix="R"), request("c")]
    accounts = [account(a) for a in "abc"]
    assert holder_sets(keys_of(requests, accounts), lk.ADDRESS_RANGE) == {frozenset("ab")}


def test_signup_address_range_and_client():
    requests, accounts = accounts_and_activity(
        "a", "b", "c", "d",
        a={"signup_ip_hash": "IP", "signup_prefix": "RANGE"},
        b={"signup_ip_hash": "IP", "signup_prefix": "RANGE"},
        c={"signup_prefix": "RANGE", "signup_user_agent": "curl/8"},
        d={"signup_user_agent": "curl/8"},
    )
    keys = keys_of(requests, accounts)
    assert holder_sets(keys, lk.SIGNUP_ADDRESS) == {frozenset("ab"), frozenset("abc")}
    assert holder_sets(keys, lk.SIGNUP_CLIENT) == {frozenset("cd")}


def flip(simhash: int, *bits: int) -> int:
    for bit in bits:
        simhash ^= 1 << bit
    return simhash - (1 << 64) if simhash >= 1 << 63 else simhash


def test_banding_finds_near_duplicate_templates_and_not_far_ones():
    near = {  # 3 bits apart (< 4 bands): must share a band, wherever the bits fall
        "near_one_band": flip(BASE, 1, 2, 3),
        "near_spread": flip(BASE, 5, 21, 40),
    }
    far = {  # one bit in each of the 4 bands: no band left intact
        "far_every_band": flip(BASE, 0, 16, 32, 48),
        "unrelated": flip(BASE, *range(0, 64, 2)),
    }
    ids = ["base", *near, *far]
    hashes = {"base": BASE, **near, **far}
    requests = [request(a, prompt_simhash=hashes[a]) for a in ids for _ in range(2)]
    groups = holder_sets(keys_of(requests, [account(a) for a in ids]), lk.TEMPLATE)
    linked = set().union(*(g for g in groups if "base" in g))
    assert set(near) <= linked
    assert not set(far) & linked


def test_a_one_off_prompt_is_not_a_template():
    requests = [request("a", prompt_simhash=BASE), request("b", prompt_simhash=BASE)]
    keys = keys_of(requests, [account("a"), account("b")])
    assert holder_sets(keys, lk.TEMPLATE) == set()
    keys = keys_of(requests, [account("a"), account("b")], min_template_requests=1)
    assert holder_sets(keys, lk.TEMPLATE) == {frozenset("ab")}


def test_sync_minute_needs_the_same_minute_and_network():
    requests = [
        request("a", ts="2026-11-29 10:00:05", asn=7),
        request("b", ts="2026-11-29 10:00:55", asn=7),  # same minute, same network
        request("c", ts="2026-11-29 10:01:00", asn=7),  # next minute
        request("d", ts="2026-11-29 10:00:30", asn=8),  # other network
    ]
    keys = keys_of(requests, [account(a) for a in "abcd"])
    assert holder_sets(keys, lk.SYNC_MINUTE) == {frozenset("ab")}


def test_a_request_without_network_gives_no_sync_minute():
    requests = [
        request("a", ts="2026-11-29 10:00:05", asn=None),
        request("b", ts="2026-11-29 10:00:55", asn=None),  # same minute, both unknown
        request("c", ts="2026-11-29 10:00:10", asn=7),
        request("d", ts="2026-11-29 10:00:20", asn=7),
    ]
    usage = pd.DataFrame(requests).astype({"asn": "Int32", "prompt_simhash": "int64"})
    accounts_df = pd.DataFrame([account(a) for a in "abcd"]).astype(
        {"org_id": "string", "card_bin": "string"})
    keys = lk.linkage_keys(ibis.memtable(usage), ibis.memtable(accounts_df), DAY).to_pandas()
    sync = keys[keys.key_kind == lk.SYNC_MINUTE]
    assert sorted(sync.account_id) == ["c", "d"] and sync.key.notna().all()


def test_only_accounts_active_and_signed_up_by_the_day_get_keys():
    requests = [request("a"), request("late")]
    accounts = [
        account("a", payment_fingerprint="P"),
        account("idle", payment_fingerprint="P"),  # no request on the day
        account("late", "2026-11-30 08:00:00", payment_fingerprint="P"),  # snapshot is newer
    ]
    keys = keys_of(requests, accounts)
    assert set(keys.account_id) <= {"a", "late"}
    assert holder_sets(keys, lk.PAYMENT) == set()


def test_keys_held_by_a_crowd_stay_in_the_engine():
    requests = [request(a, ip_prefix="BIG") for a in "abcd"]
    accounts = [account(a) for a in "abcd"]
    limits = {**lk.MAX_HOLDERS, lk.ADDRESS_RANGE: 3}
    assert holder_sets(keys_of(requests, accounts, max_holders=limits), lk.ADDRESS_RANGE) == set()
    assert holder_sets(keys_of(requests, accounts), lk.ADDRESS_RANGE) == {frozenset("abcd")}


@pytest.mark.parametrize("bands", [2, 3, 4, 8])
def test_simhash_bands_are_the_same_bits_in_the_engine_and_numpy(bands):
    hashes = np.array([BASE, -1, -(2**63), flip(BASE, 63, 0), 0], dtype=np.int64)
    table = ibis.memtable(pd.DataFrame({"h": hashes}))
    engine = table.select(
        **{f"b{i}": b for i, b in enumerate(lk.simhash_bands(table.h, bands))}
    ).to_pandas()
    in_numpy = lk.simhash_bands(hashes, bands)
    for i, band in enumerate(in_numpy):
        assert (engine[f"b{i}"].to_numpy() == band).all()
        assert (band >= 0).all()
    # The bands together are the hash: nothing lost, nothing overlapping.
    width = 64 // bands
    rebuilt = sum(int(b[0]) << (width * i) for i, b in enumerate(in_numpy))
    assert rebuilt == BASE


def test_usage_day_stats_has_one_row_per_request_with_its_minute():
    requests = [
        request("a", ts="2026-11-29 10:00:01", prompt_simhash=BASE, cot_elicitation=True),
        request("a", ts="2026-11-29 10:00:59", prompt_simhash=BASE),
        request("a", ts="2026-11-29 10:02:00", prompt_simhash=BASE),
    ]
    usage = pd.DataFrame(requests).astype({"asn": "int32"})
    stats = lk.usage_day_stats(ibis.memtable(usage)).to_pandas()
    stats = stats.sort_values(["minute", "cot_requests"])
    assert stats.requests.tolist() == [1, 1, 1]
    assert stats.cot_requests.tolist() == [0, 1, 0]
    assert (stats.minute - stats.minute.iloc[0]).tolist() == [0, 0, 2]
    assert stats.minute.iloc[0] == pd.Timestamp("2026-11-29 10:00", tz="UTC").timestamp() // 60
    assert (stats.prompt_simhash == BASE).all()


def test_held_keeps_the_values_of_two_to_limit_holders():
    rows = ibis.memtable(pd.DataFrame({
        "account_id": list("abcdef"),
        "minute": [1, 1, 2, 2, 2, 3],  # 2 holders, 3 holders (a crowd at limit 2), 1 holder
        "asn": [7] * 6,
    }))
    held = lk._held(rows, ["minute", "asn"], 2).to_pandas()
    assert held.to_dict("records") == [{"minute": 1, "asn": 7}]
