"""Account features of day D over 1-day and 7-day windows, from stored account-day aggregates.

The window reads only the aggregates of D-6..D (never raw logs), so a 7-day feature is
exact when its parts add up across days (counts, token sums, per-hour and per-topic
counts). Where they do not, a feature says what it is:

- `*_1d` distinct counts (addresses, ranges, ASNs, countries, keys, user agents,
  templates) are the day's own values; none is summed over days.
- `system_prompt_top_share_7d` is the request-weighted mean of the daily top-system-prompt
  shares (sum of each day's top count / requests), a lower bound of the 7-day top share.
- `hour_entropy_7d` is the Shannon entropy (bits) of the 7-day hour-of-day histogram.
- `interarrival_cv_1d` is std/mean of the gaps between the day's consecutive requests;
  null with fewer than 2 gaps or a zero mean gap.
- `billing_country_mismatch_7d` is null when the billing country is unknown.

Account-level counts are point in time: only accounts created by the end of D count.
"""

from __future__ import annotations

import datetime as dt

import ibis
from ibis import _

from features import catalogue
from features.aggregates import (
    HOURS,
    IP_KINDS,
    TOPICS,
    hour_column,
    ip_kind_column,
    topic_column,
)
from features.engine import DAY_MS, epoch_ms

WINDOW_DAYS = 7
NEW_MODEL_DAYS = 2  # a model first seen on D or D-1 is "just released" on D
HIGH_VALUE_TOPICS = ("coding", "agentic", "reasoning")
WINDOW_FEATURES = tuple(f.name for f in catalogue.FEATURES if f.group != "campaign")

# Columns of the account-day aggregates that add up over days.
_ADDITIVE = (
    "requests", "input_tokens", "output_tokens", "reasoning_tokens",
    *(topic_column(t) for t in TOPICS),
    "cot_requests", "single_turn_requests", "tool_requests", "temperature_zero_requests",
    "rate_limited_requests", *(hour_column(h) for h in HOURS), "night_requests",
    *(ip_kind_column(k) for k in IP_KINDS), "billing_mismatch_requests",
    "top_system_prompt_requests",
)  # fmt: skip


def window_features(
    aggregates_7d: ibis.Table,
    models_history: ibis.Table,
    accounts: ibis.Table,
    day: dt.date,
) -> ibis.Table:
    """One row per account active on `day`: `account_id` and every non-campaign feature.

    `aggregates_7d`: `account_day` rows covering at least D-6..D (others are ignored).
    `models_history`: `account_day_models` rows of every stored day up to D; a model's
    first-seen day is its first day in this history, and models seen on the first stored
    day count as old (they predate the history). `accounts`: the clean accounts snapshot.
    """
    week = aggregates_7d.filter(aggregates_7d.day.between(day - dt.timedelta(WINDOW_DAYS - 1), day))
    today = week.filter(week.day == day)
    # the week of the accounts active on D only: a third fewer rows to sum (incident world)
    features = (
        _one_day(today)
        .inner_join(_seven_days(week.semi_join(today, "account_id")), "account_id")
        .left_join(_release_pivot(models_history, day), "account_id")
        .left_join(_account_attributes(accounts, day), "account_id")
    )
    # the aggregates count no mismatch where the billing country is unknown: say unknown
    values = {n: features[n] for n in WINDOW_FEATURES}
    values["billing_country_mismatch_7d"] = ibis.ifelse(
        features.billing_country.isnull(), None, features.billing_country_mismatch_7d
    )
    categorical = set(catalogue.categorical_feature_names())
    return features.select(
        "account_id",
        *(v.cast("int32" if n in categorical else "float64").name(n) for n, v in values.items()),
    )


def _one_day(today: ibis.Table) -> ibis.Table:
    gap_mean = today.gap_sum_s / today.gap_count
    gap_var = today.gap_sq_sum_s / today.gap_count - gap_mean * gap_mean
    regular_enough = (today.gap_count >= 2) & (gap_mean > 0)
    return today.select(
        "account_id",
        requests_1d=today.requests,
        active_hours_1d=sum((today[hour_column(h)] > 0).cast("int64") for h in HOURS),
        interarrival_cv_1d=ibis.ifelse(
            regular_enough, ibis.greatest(gap_var, 0).sqrt() / gap_mean, ibis.null("float64")
        ),
        cot_share_1d=today.cot_requests / today.requests,
        templates_per_request_1d=today.distinct_templates / today.requests,
        top_template_share_1d=today.top_template_requests / today.requests,
        distinct_ips_1d=today.distinct_ips,
        distinct_prefixes_1d=today.distinct_prefixes,
        distinct_asns_1d=today.distinct_asns,
        distinct_countries_1d=today.distinct_countries,
        api_keys_1d=today.distinct_api_keys,
        user_agents_1d=today.distinct_user_agents,
    )


def _seven_days(week: ibis.Table) -> ibis.Table:
    # float sums: exact for counts below 2**53, and DuckDB sums integers into slow int128
    s = week.group_by("account_id").aggregate(
        active_days=_.count(), **{c: week[c].cast("float64").sum() for c in _ADDITIVE}
    )
    n = s.requests

    def share(count: ibis.NumericValue) -> ibis.FloatingValue:
        return count / n

    def entropy_term(count: ibis.NumericValue) -> ibis.FloatingValue:
        p = count / n
        return ibis.ifelse(count > 0, -p * p.log2(), 0.0)

    return s.select(
        "account_id",
        requests_7d=n,
        active_days_7d=s.active_days,
        input_tokens_per_request_7d=share(s.input_tokens),
        output_tokens_per_request_7d=share(s.output_tokens),
        reasoning_tokens_per_request_7d=share(s.reasoning_tokens),
        output_input_ratio_7d=s.output_tokens / s.input_tokens.nullif(0),
        hour_entropy_7d=sum(entropy_term(s[hour_column(h)]) for h in HOURS),
        night_share_7d=share(s.night_requests),
        topic_top_share_7d=share(ibis.greatest(*(s[topic_column(t)] for t in TOPICS))),
        high_value_topic_share_7d=share(sum(s[topic_column(t)] for t in HIGH_VALUE_TOPICS)),
        cot_share_7d=share(s.cot_requests),
        single_turn_share_7d=share(s.single_turn_requests),
        system_prompt_top_share_7d=share(s.top_system_prompt_requests),
        tool_request_share_7d=share(s.tool_requests),
        temperature_zero_share_7d=share(s.temperature_zero_requests),
        residential_proxy_share_7d=share(s.residential_requests + s.mobile_requests),
        datacenter_share_7d=share(s.datacenter_requests),
        vpn_proxy_share_7d=share(s.vpn_proxy_requests),
        billing_country_mismatch_7d=share(s.billing_mismatch_requests),
        rate_limited_share_7d=share(s.rate_limited_requests),
    )


def _release_pivot(models_history: ibis.Table, day: dt.date) -> ibis.Table:
    """Share of D's requests on models first seen on D or D-1, and that share minus the
    account's share of D-6..D-1 requests on the same models (0 when it has no past)."""
    history = models_history.filter(models_history.day <= day)
    first_seen = history.group_by("model").aggregate(first_seen=_.day.min())
    new_models = first_seen.filter(
        (first_seen.first_seen > day - dt.timedelta(NEW_MODEL_DAYS))
        & (first_seen.first_seen > first_seen.first_seen.min())  # the history's first day
    ).select("model", is_new=ibis.literal(1))
    week = history.filter(history.day > day - dt.timedelta(WINDOW_DAYS))
    marked = week.left_join(new_models, "model")
    new_requests = marked.requests * marked.is_new.fill_null(0)
    today = marked.day == day
    s = marked.group_by("account_id").aggregate(
        today=ibis.ifelse(today, marked.requests, 0).sum(),
        today_new=ibis.ifelse(today, new_requests, 0).sum(),
        past=ibis.ifelse(today, 0, marked.requests).sum(),
        past_new=ibis.ifelse(today, 0, new_requests).sum(),
    ).filter(_.today > 0)
    new_share = s.today_new / s.today
    past_share = (s.past_new / s.past.nullif(0)).fill_null(0.0)
    return s.select(
        "account_id", new_model_share_1d=new_share, new_model_pivot_1d=new_share - past_share
    )


def _account_attributes(accounts: ibis.Table, day: dt.date) -> ibis.Table:
    """Billing country, age, coded categories and how many *other* accounts share its
    payment instrument, its card BIN within ±1 day of its sign-up, or its sign-up range."""
    end_of_day = dt.datetime.combine(day + dt.timedelta(1), dt.time(), tzinfo=dt.timezone.utc)
    a = accounts.filter(accounts.created_at < end_of_day)
    # an account without a card BIN shares none: alone in its partition, not one of a
    # hundred thousand in the null partition the range window would sort
    bin_burst = ibis.window(
        group_by=[a.card_bin, ibis.ifelse(a.card_bin.isnull(), a.account_id, None)],
        order_by=epoch_ms(a.created_at),
        range=(-DAY_MS, DAY_MS),
    )

    def code(name: str, column: ibis.StringValue) -> ibis.IntegerValue:
        cats = catalogue.feature(name).categories
        return column.substitute({c: i for i, c in enumerate(cats)}, else_=-1)

    attributes = a.select(
        "account_id",
        "billing_country",
        "payment_fingerprint",
        "signup_prefix",
        account_age_days=ibis.literal(day).delta(a.created_at.date(), unit="day"),
        verification=code("verification", a.verification),
        account_tier=code("account_tier", a.tier),
        program=code("program", a.program),
        card_bin_signup_burst=ibis.ifelse(a.card_bin.isnull(), 0, a.count().over(bin_burst) - 1),
    )
    for key, name in (("payment_fingerprint", "payment_shared_accounts"),
                      ("signup_prefix", "signup_ip_shared_accounts")):  # fmt: skip
        attributes = _with_others_sharing(attributes, a, key, name)
    return attributes.drop("payment_fingerprint", "signup_prefix")


def _with_others_sharing(
    table: ibis.Table, accounts: ibis.Table, key: str, name: str
) -> ibis.Table:
    """`table` plus `name`: how many other `accounts` share its `key` (0 without a key).
    A count per key joined back costs DuckDB less than a window partitioned by the key."""
    keyed = accounts.filter(accounts[key].notnull())
    holders = keyed.group_by(key).aggregate(others=_.count() - 1)
    joined = table.left_join(holders, key)
    return joined.select(table, **{name: joined.others.fill_null(0)})
