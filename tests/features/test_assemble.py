"""The account-features table: shape, types, order and the campaign join."""

import datetime as dt
import math

import pandas as pd
import pyarrow as pa
import pytest

from features import catalogue
from features.assemble import CAMPAIGN_FEATURES, account_features
from features.windows import WINDOW_FEATURES

D = dt.date(2026, 3, 10)


def window(*account_ids: str) -> pd.DataFrame:
    frame = pd.DataFrame({"account_id": list(account_ids)})
    for i, name in enumerate(WINDOW_FEATURES):
        frame[name] = float(i)
    frame["verification"] = [2] + [None] * (len(account_ids) - 1)  # an account missing from accounts
    return frame


def members(rows: dict[str, tuple[str | None, float]]) -> pd.DataFrame:
    frame = pd.DataFrame({"account_id": list(rows), "campaign_id": [c for c, _ in rows.values()]})
    for name in CAMPAIGN_FEATURES:
        frame[name] = [size for _, size in rows.values()]
    return frame


def test_shape_types_and_order():
    out = account_features(window("b", "a", "c"), members({"a": ("c1", 3.0), "c": (None, 1.0)}), D)
    keys = ["feature_date", "account_id", "campaign_id"]
    assert list(out.columns) == keys + catalogue.model_feature_names()
    assert list(out.account_id) == ["a", "b", "c"]
    table = pa.Table.from_pandas(out, preserve_index=False)
    assert table.schema.field("feature_date").type == pa.date32()
    assert table.schema.field("account_id").type == pa.string()
    assert set(out.feature_date) == {D}
    for name in catalogue.model_feature_names():
        expected = pa.int32() if name in catalogue.categorical_feature_names() else pa.float64()
        assert table.schema.field(name).type == expected, name


def test_campaign_join():
    out = account_features(
        window("a", "b", "c"),
        members({"a": ("c1", 3.0), "c": (None, 1.0), "z": ("c1", 3.0)}),  # z was not active
        D,
    ).set_index("account_id")
    assert list(out.index) == ["a", "b", "c"]
    assert out.campaign_id.to_dict() == {"a": "c1", "b": None, "c": None}
    assert out.loc["a", "campaign_size"] == 3 and out.loc["c", "campaign_size"] == 1
    assert math.isnan(out.loc["b", "campaign_size"])  # not in members: unknown
    assert out.loc["a", "requests_1d"] == float(WINDOW_FEATURES.index("requests_1d"))


def test_unknown_category_is_minus_one():
    out = account_features(window("a", "b"), members({}), D).set_index("account_id")
    assert out.verification.to_dict() == {"a": 2, "b": -1}


def test_duplicate_members_are_refused():
    dup = pd.concat([members({"a": ("c1", 2.0)})] * 2)
    with pytest.raises(ValueError, match="one row per account"):
        account_features(window("a"), dup, D)
