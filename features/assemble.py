"""The account-features table of day D: window features plus campaign features.

This is the model's input and the feature contract's subject, so its shape is fixed here
once: `feature_date`, `account_id`, `campaign_id`, then the catalogue's features in
catalogue order (float64; categoricals int32 codes), one row per active account, sorted.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from features import catalogue

CAMPAIGN_FEATURES = tuple(f.name for f in catalogue.FEATURES if f.group == "campaign")


def account_features(window: pd.DataFrame, members: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """Left-join `members` (campaign features per account) onto `window` (one row per
    account active on `day`). Members that were not active on `day` are dropped; an active
    account absent from `members` gets a null `campaign_id` and NaN campaign features."""
    if members.account_id.duplicated().any():
        raise ValueError("members must hold at most one row per account")
    if window.account_id.duplicated().any():
        raise ValueError("window features must hold one row per account")
    if not window.account_id.is_monotonic_increasing:  # the pipeline's query sorts it
        window = window.sort_values("account_id", kind="stable", ignore_index=True)
    # A left merge keeps the window's order; one to one is checked above (pandas's own
    # `validate` costs as much as the merge).
    table = window.merge(
        members[["account_id", "campaign_id", *CAMPAIGN_FEATURES]], on="account_id", how="left"
    )
    categorical = set(catalogue.categorical_feature_names())

    def feature(name: str) -> pd.Series:
        if name in categorical:  # -1 is the catalogue's "unknown" code
            return table[name].fillna(-1).astype("int32")
        return table[name].astype("float64")

    return pd.DataFrame(
        {
            # dt.date objects: Arrow and Parquet read them as date32
            "feature_date": [day] * len(table),
            "account_id": table.account_id.astype(object),
            "campaign_id": table.campaign_id.astype(object).where(table.campaign_id.notna(), None),
            **{name: feature(name) for name in catalogue.model_feature_names()},
        }
    )
