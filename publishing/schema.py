"""The published tables' exact Arrow types (outputs.md): one definition for writer, mirror and tests."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from models.tiers import FLAGGED_TIERS, TIERS  # the ladder the model assigns, published as is

REASON = pa.struct(
    [
        ("feature", pa.string()),
        ("value", pa.float64()),
        ("contribution", pa.float64()),
        ("text", pa.string()),
    ]
)

ACCOUNT_SCORES = pa.schema(
    [
        ("score_date", pa.date32()),
        ("account_id", pa.string()),
        ("risk_score", pa.float64()),
        ("risk_tier", pa.string()),
        ("campaign_id", pa.string()),
        ("model_name", pa.string()),
        ("model_version", pa.string()),
        ("reasons", pa.list_(REASON)),
        ("published_at", pa.timestamp("us", tz="UTC")),
    ]
)

CAMPAIGNS = pa.schema(
    [
        ("score_date", pa.date32()),
        ("campaign_id", pa.string()),
        ("n_accounts", pa.int64()),
        ("n_flagged", pa.int64()),
        ("requests", pa.int64()),
        ("risk_score", pa.float64()),
        ("evidence", pa.list_(pa.string())),
    ]
)

SCHEMAS = {"account_scores": ACCOUNT_SCORES, "campaigns": CAMPAIGNS}
# Row order that makes a day's file byte-identical across runs.
SORT_KEYS = {"account_scores": "account_id", "campaigns": "campaign_id"}
# outputs.md marks only this column nullable; a null anywhere else is a broken row.
NULLABLE = {"account_scores": {"campaign_id"}, "campaigns": set()}


def publication_time(day: dt.date) -> dt.datetime:
    """`published_at` of day D: the end of D (D+1 00:00 UTC), when D's logs are complete.

    A logical time, not the wall clock, so a re-run writes byte-identical files; the
    actual write time is kept in the status file only.
    """
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.timezone.utc)
