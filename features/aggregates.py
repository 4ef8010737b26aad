"""Account-day aggregates: one scan of a day's clean usage, one row per account and day.

The 7-day window is rebuilt every day from these rows, never from raw logs, so each row
holds only quantities that add up across days (counts, sums, per-hour and per-topic
counts, inter-arrival sums). Distinct counts and top-value counts do not add up; they are
kept per day and the window says what it makes of them.
"""

from __future__ import annotations

import ibis
from ibis import _

TOPICS = ("coding", "math", "reasoning", "agentic", "writing", "chat", "translation", "other")
IP_KINDS = ("residential", "mobile", "datacenter", "vpn_proxy")  # `unknown` is the rest
HOURS = tuple(range(24))
NIGHT_END_HOUR = 6  # local night is 00:00 to 06:00
RATE_LIMITED = 429

# Standard-time UTC offset of the country's main population centre: enough to tell night
# from day. A country missing here is treated as UTC.
UTC_OFFSET_HOURS = {
    "US": -5, "CA": -5, "MX": -6, "BR": -3, "AR": -3, "CL": -4, "CO": -5, "PE": -5,
    "GB": 0, "IE": 0, "PT": 0, "IS": 0, "MA": 0, "NG": 1, "FR": 1, "DE": 1, "ES": 1,
    "IT": 1, "NL": 1, "BE": 1, "CH": 1, "AT": 1, "SE": 1, "NO": 1, "DK": 1, "PL": 1,
    "CZ": 1, "HU": 1, "FI": 2, "GR": 2, "RO": 2, "UA": 2, "IL": 2, "EG": 2, "ZA": 2,
    "TR": 3, "RU": 3, "SA": 3, "KE": 3, "IR": 3, "AE": 4, "PK": 5, "IN": 5, "BD": 6,
    "TH": 7, "VN": 7, "ID": 7, "CN": 8, "HK": 8, "TW": 8, "SG": 8, "MY": 8, "PH": 8,
    "KR": 9, "JP": 9, "KP": 9, "AU": 10, "NZ": 12,
}


def topic_column(topic: str) -> str:
    return f"topic_{topic}_requests"


def ip_kind_column(kind: str) -> str:
    return f"{kind}_requests"


def hour_column(hour: int) -> str:
    return f"hour_{hour:02d}_requests"


def account_day(usage: ibis.Table, accounts: ibis.Table) -> ibis.Table:
    """One row per (account_id, day) of `usage` (clean usage of one or more UTC days).

    `accounts` (clean accounts) supplies the billing country, which the country-mismatch
    count needs per request (0 when the billing country is unknown).
    Inter-arrival gaps are in seconds between an account's consecutive requests of the day.

    One query, no Python: a main group-by reads every column once; the gap, template and
    system-prompt branches re-read only (account_id, ts) and their own column, and join
    back on (account_id, day). Window functions over the full rows would read once but are
    slower on DuckDB: each window carries every column through its own sort.
    """
    ts = usage.ts.cast("timestamp")  # UTC wall clock: naive timestamps are cheap to take apart
    epoch_s = ts.epoch_seconds().cast("float64").floor().cast("int64")
    rows = usage.mutate(
        day=ts.date(),
        hour=(epoch_s // 3600) % 24,
        epoch_ms=epoch_s * 1000 + ts.millisecond(),
    )
    day_rows = _counts(rows, accounts)
    for branch in (
        _gaps(rows),
        _top_value(rows, "prompt_simhash", "templates", "template"),
        _top_value(rows, "system_prompt_hash", "system_prompts", "system_prompt"),
    ):
        joined = day_rows.left_join(branch, ["account_id", "day"])
        # no gap, no system prompt: zero, not unknown
        day_rows = joined.select(
            day_rows, *(branch[c].fill_null(0).name(c) for c in branch.columns[2:])
        )
    return day_rows


def _counts(rows: ibis.Table, accounts: ibis.Table) -> ibis.Table:
    """Everything that a single group-by over the rows can count or sum."""
    local_hour = (rows.hour + rows.country.substitute(UTC_OFFSET_HOURS, else_=0) + 24) % 24
    r = rows.mutate(local_hour=local_hour).left_join(
        accounts.select("account_id", "billing_country"), "account_id"
    )
    return r.group_by("account_id", "day").aggregate(
        requests=_.count(),
        # float sums and count(where=...): DuckDB sums integers into int128, slowly;
        # a float64 token sum is exact below 2**53
        input_tokens=_.input_tokens.cast("float64").sum(),
        output_tokens=_.output_tokens.cast("float64").sum(),
        reasoning_tokens=_.reasoning_tokens.cast("float64").sum(),
        **{topic_column(t): _.count(where=_.topic == t) for t in TOPICS},
        cot_requests=_.count(where=_.cot_elicitation),
        single_turn_requests=_.count(where=_.turn_index == 1),
        tool_requests=_.count(where=_.tool_count > 0),
        temperature_zero_requests=_.count(where=_.temperature == 0),
        rate_limited_requests=_.count(where=_.status == RATE_LIMITED),
        **{hour_column(h): _.count(where=_.hour == h) for h in HOURS},
        night_requests=_.count(where=_.local_hour < NIGHT_END_HOUR),
        distinct_ips=_.ip_hash.nunique(),
        distinct_prefixes=_.ip_prefix.nunique(),
        distinct_asns=_.asn.nunique(),
        distinct_countries=_.country.nunique(),
        distinct_api_keys=_.api_key_id.nunique(),
        distinct_user_agents=_.user_agent.nunique(),
        **{ip_kind_column(k): _.count(where=_.ip_kind == k) for k in IP_KINDS},
        # 0 when the billing country is unknown (the window reads that as unknown); the
        # explicit False keeps engines that count by summing from returning null
        billing_mismatch_requests=_.count(where=(_.country != _.billing_country).fill_null(False)),
    )


def _gaps(rows: ibis.Table) -> ibis.Table:
    """Count, sum and sum of squares of the gaps (s) between consecutive requests."""
    r = rows.select("account_id", "day", "epoch_ms")
    order = ibis.window(group_by=[r.account_id, r.day], order_by=r.epoch_ms)
    r = r.mutate(gap_s=(r.epoch_ms - r.epoch_ms.lag().over(order)) / 1000.0)
    return r.group_by("account_id", "day").aggregate(
        gap_count=_.gap_s.count(),
        gap_sum_s=_.gap_s.sum(),
        gap_sq_sum_s=(_.gap_s * _.gap_s).sum(),
    )


def _top_value(rows: ibis.Table, column: str, plural: str, singular: str) -> ibis.Table:
    """Distinct non-null values of `column` and the requests of the most used one."""
    per_value = (
        rows.filter(rows[column].notnull())
        .group_by("account_id", "day", column)
        .aggregate(n=_.count())
    )
    return per_value.group_by("account_id", "day").aggregate(
        **{f"distinct_{plural}": _.count(), f"top_{singular}_requests": _.n.max()}
    )


def account_day_models(usage: ibis.Table) -> ibis.Table:
    """Requests per (account_id, day, model): the release pivot's history."""
    return (
        usage.mutate(day=usage.ts.date())
        .group_by("account_id", "day", "model")
        .aggregate(requests=_.count())
    )
