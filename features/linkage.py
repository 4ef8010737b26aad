"""Linkage keys: the traces that accounts of one operator share.

A hydra network spreads its traffic over many accounts that each look like a light user;
what gives it away is what they have in common. `linkage_keys` turns a day of clean usage
and the accounts snapshot into `(account_id, key_kind, key)` rows; two accounts holding the
same key are candidates for a link, and `features.campaigns` decides which links count.

Everything here is an Ibis expression built from portable operations (integer bit ops,
epoch arithmetic, string concatenation), so the same keys come out of DuckDB and PySpark.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable, Mapping

import ibis

from features.engine import DAY_MS, epoch_ms, unix_micros

# key_kind values, also used by `features.campaigns` for its rules and evidence wording.
PAYMENT = "payment"  # payment instrument fingerprint
CARD_BIN_SIGNUP = "card_bin_signup"  # card BIN x sign-up day window
ADDRESS_RANGE = "address_range"  # usage ip_prefix on day D
SIGNUP_ADDRESS = "signup_address"  # sign-up address or its range
SIGNUP_CLIENT = "signup_client"  # sign-up user agent
TEMPLATE = "template"  # SimHash band of a reused prompt template
SYNC_MINUTE = "sync_minute"  # minute x ASN of activity (SynchroTrap)
# Keys held by more accounts are crowds (a busy ISP range, a popular client, a busy
# network-minute) under the default rules of `features.campaigns`; they are dropped here
# so they never leave the engine. A hydra's template may be held by thousands.
MAX_HOLDERS = {
    PAYMENT: 1000,
    CARD_BIN_SIGNUP: 1000,
    ADDRESS_RANGE: 1000,
    SIGNUP_ADDRESS: 1000,
    SIGNUP_CLIENT: 1000,
    TEMPLATE: 5000,
    SYNC_MINUTE: 50,
}

MINUTE_US = 60_000_000
# SimHash bands: pairs within TEMPLATE_BANDS - 1 differing bits share a band.
TEMPLATE_BANDS = 4


def band_fields(bands: int = TEMPLATE_BANDS) -> list[tuple[int, int]]:
    """(shift, mask) of each of the `bands` contiguous bit fields of a 64-bit SimHash (the
    last takes the rest): `simhash_bands` applies them, the floor benchmark spells them in SQL."""
    if not 2 <= bands <= 32:
        raise ValueError(f"bands must be 2 to 32, got {bands}")
    width = 64 // bands
    bits = [width] * (bands - 1) + [64 - width * (bands - 1)]
    return [(width * i, (1 << b) - 1) for i, b in enumerate(bits)]


def simhash_bands(simhash, bands: int = TEMPLATE_BANDS) -> list:
    """Split a 64-bit SimHash into its `band_fields`.

    Pigeonhole: two hashes that differ in fewer than `bands` bits agree exactly on at least
    one band, so equal bands find every near-duplicate pair without comparing pairs.
    Masking after the (arithmetic) shift makes the sign of the int64 irrelevant. Works on
    an Ibis integer column and on a numpy int64 array alike (the same bits either side).
    """
    return [(simhash >> shift) & mask for shift, mask in band_fields(bands)]


def _keys(table: ibis.Table, kind: str, key: ibis.StringValue) -> ibis.Table:
    """Distinct (account_id, key_kind, key) rows; the constant kind joins after `distinct`,
    so the engine dedupes two columns, not three."""
    keys = table.select(table.account_id, key=key)
    keys = keys.filter(keys.key.notnull()).distinct()
    return _as_keys(keys, kind, keys.key)


def _as_keys(table: ibis.Table, kind: str, key: ibis.StringValue) -> ibis.Table:
    """The key table's columns (account_id, key_kind, key) of rows already distinct."""
    return table.select(table.account_id, key_kind=ibis.literal(kind), key=key)


def _account_keys(accounts: ibis.Table) -> list[ibis.Table]:
    """Keys from the sign-up record: payment, card BIN burst, sign-up address and client."""
    with_pay = accounts.filter(accounts.payment_fingerprint.notnull())
    with_bin = accounts.filter(accounts.card_bin.notnull())
    created = epoch_ms(with_bin.created_at)
    # Two 1-day grids 12 h apart: any two sign-ups less than 12 h apart share a window in
    # at least one grid, so a burst straddling a window edge is not cut in two.
    windows = [
        (created // DAY_MS).cast("string"),
        "h" + ((created + DAY_MS // 2) // DAY_MS).cast("string"),
    ]
    return [
        _keys(with_pay, PAYMENT, with_pay.payment_fingerprint),
        *(_keys(with_bin, CARD_BIN_SIGNUP, with_bin.card_bin + "|" + w) for w in windows),
        _keys(accounts, SIGNUP_ADDRESS, "ip|" + accounts.signup_ip_hash),
        _keys(accounts, SIGNUP_ADDRESS, "range|" + accounts.signup_prefix),
        _keys(accounts, SIGNUP_CLIENT, accounts.signup_user_agent),
    ]


def linkage_keys(
    usage: ibis.Table,
    accounts: ibis.Table,
    day: dt.date,
    *,
    template_bands: int = TEMPLATE_BANDS,
    min_template_requests: int = 2,
    max_holders: Mapping[str, int] = MAX_HOLDERS,
) -> ibis.Table:
    """`(account_id, key_kind, key)`, distinct, for every account active on `day`; a key is
    kept when held by 2 to `max_holders[kind]` accounts (one holder links nothing).

    - payment: the payment instrument fingerprint.
    - card_bin_signup: card BIN x sign-up day window (two grids 12 h apart).
    - signup_address: the sign-up address hash, and its range hash.
    - signup_client: the sign-up user agent.
    - address_range: each `ip_prefix` the account used on the day.
    - template: each SimHash band (`template_bands` bands: near-duplicates within
      `template_bands - 1` bits share a band) seen in at least `min_template_requests` of
      the account's requests. A template is something reused; one-off prompts would only
      add chance band collisions (a 16-bit band repeats by chance across 2M requests).
    - sync_minute: minute x ASN of each request, SynchroTrap-style: accounts repeatedly
      active in the same minute from the same network. The ASN is the constraint that
      keeps a minute from being a crowd of every active account.

    Only accounts active on `day` and created by its end get keys: the snapshot may hold
    sign-ups from later days, which a run for `day` must not see.
    """
    end_of_day = ((day - dt.date(1970, 1, 1)).days + 1) * DAY_MS
    known = accounts.filter(epoch_ms(accounts.created_at) < end_of_day)
    # The active accounts, computed once, select the sign-up keys and code the templates.
    active = usage.select("account_id").distinct()
    signup = ibis.union(*_account_keys(known), distinct=False)
    signup = signup.semi_join(active, "account_id")
    limit = signup.key_kind.cases(*max_holders.items(), else_=0)
    keys = [
        # The sign-up kinds are judged together; each kind's sources use distinct prefixes,
        # so its rows stay distinct (account, key) pairs.
        _shared(signup, ["key_kind", "key"], limit),
        _shared(_keys(usage, ADDRESS_RANGE, usage.ip_prefix), ["key"],
                max_holders.get(ADDRESS_RANGE, 0)),
        _sync_minute_keys(usage, max_holders.get(SYNC_MINUTE, 0)),
        _template_keys(usage, active, template_bands, min_template_requests,
                       max_holders.get(TEMPLATE, 0)),
    ]
    return ibis.union(*keys, distinct=False)


def _held(rows: ibis.Table, by: list[str], limit) -> ibis.Table:
    """The distinct `by` values held by 2 to `limit` accounts. `rows` are distinct
    (account_id, *by) rows, so rows per value are its holders: a count, not a distinct
    count. Each kind is judged apart, on its own key columns: integers stay integers."""
    holders = rows.group_by(by).aggregate(holders=rows.count())
    return holders.filter((holders.holders >= 2) & (holders.holders <= limit)).drop("holders")


def _shared(keys: ibis.Table, by: list[str], limit) -> ibis.Table:
    """Rows of `keys` whose `by` value is held by 2 to `limit` accounts (see `_held`)."""
    return keys.semi_join(_held(keys, by, limit), by)


def _shared_keys(rows: ibis.Table, by: list[str], limit: int, kind: str,
                 spell: Callable[[ibis.Table], ibis.StringValue]) -> ibis.Table:
    """Key rows of `kind` for the `by` values of `rows` held by 2 to `limit` accounts;
    `spell` makes the string key once per shared value, not once per holder."""
    held = _held(rows, by, limit)
    joined = rows.join(held.mutate(key=spell(held)), by)
    return _as_keys(joined, kind, joined.key)


def _sync_minute_keys(usage: ibis.Table, limit: int) -> ibis.Table:
    """Minute x ASN keys, deduped and judged on integers (strings only for shared keys)."""
    timed = usage.filter(usage.ts.notnull() & usage.asn.notnull())
    minutes = timed.select(
        timed.account_id, minute=unix_micros(timed.ts) // MINUTE_US, asn=timed.asn
    ).distinct()
    return _shared_keys(minutes, ["minute", "asn"], limit, SYNC_MINUTE,
                        lambda t: t.minute.cast("string") + "|" + t.asn.cast("string"))


def _template_keys(usage: ibis.Table, active: ibis.Table, bands: int, min_requests: int,
                   limit: int) -> ibis.Table:
    """One key per band value reused by an account; grouped rows are already distinct, and
    each band is judged apart (its keys start with the band's number).

    The `bands` group-bys of millions of (account, band value) pairs are the costliest
    part of the keys, so they group an integer code of the `active` account (its rank)
    instead of its id string; coding the requests and decoding the keys costs less."""
    active = active.mutate(code=ibis.row_number().over(order_by=active.account_id))
    coded = usage.join(active, "account_id").select(account_id="code", simhash="prompt_simhash")
    out = []
    for i, band in enumerate(simhash_bands(coded.simhash, bands)):
        per_account = coded.group_by(coded.account_id, value=band).aggregate(
            requests=coded.count()
        )
        reused = per_account.filter(
            (per_account.requests >= min_requests) & per_account.value.notnull()
        )
        out.append(_shared_keys(reused, ["value"], limit, TEMPLATE,
                                lambda t, i=i: ibis.literal(f"{i}:") + t.value.cast("string")))
    keys = ibis.union(*out, distinct=False).rename(code="account_id")
    return keys.join(active, "code").select("account_id", "key_kind", "key")


def usage_day_stats(usage: ibis.Table) -> ibis.Table:
    """The day's requests as `build_campaigns` needs them for group volume, chain-of-thought
    share, template concentration and synchronized minutes: one row per request, because
    a group-by account x SimHash x minute would merge almost none of them.

    Columns: account_id, minute (int64, minutes since the epoch), prompt_simhash,
    requests (1), cot_requests (int64, 0 or 1).
    """
    return usage.select(
        usage.account_id,
        minute=unix_micros(usage.ts) // MINUTE_US,
        prompt_simhash=usage.prompt_simhash,
        requests=ibis.literal(1, "int64"),
        cot_requests=usage.cot_elicitation.cast("int64"),
    )
