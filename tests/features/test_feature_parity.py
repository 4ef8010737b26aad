"""The feature expressions give the same numbers on PySpark as on DuckDB."""

import ibis
import pandas as pd
import pytest

from features.aggregates import account_day, account_day_models
from features.linkage import MAX_HOLDERS, linkage_keys, usage_day_stats
from features.windows import window_features


def feature_stage(con, settings, days) -> dict[str, pd.DataFrame]:
    """Aggregates of every day (one query: account_day groups by day), then the window
    features of the last day (a full week and a release the day before), all on `con`."""
    usage = con.read_parquet(str(settings.warehouse / "usage" / "*" / "*.parquet"))
    accounts = con.read_parquet(str(settings.warehouse / "accounts" / "accounts.parquet"))
    aggregates = con.to_pyarrow(account_day(usage, accounts))
    models = con.to_pyarrow(account_day_models(usage))
    out = {
        "account_day": aggregates.to_pandas().sort_values(["account_id", "day"]),
        "account_day_models": models.to_pandas().sort_values(["account_id", "day", "model"]),
    }
    window = window_features(ibis.memtable(aggregates), ibis.memtable(models), accounts, days[-1])
    out["window"] = con.to_pyarrow(window).to_pandas().sort_values("account_id")
    return out


def linkage_stage(con, settings, day) -> dict[str, pd.DataFrame]:
    """The linkage keys and request stats of `day` on `con`, each sorted by every column:
    keys are a set and stats carry no request id, so only a full sort makes rows line up."""
    usage = con.read_parquet(str(settings.warehouse_day("usage", day) / "*.parquet"))
    accounts = con.read_parquet(str(settings.warehouse / "accounts" / "accounts.parquet"))
    out = {
        "linkage_keys": con.to_pyarrow(linkage_keys(usage, accounts, day)).to_pandas(),
        "usage_day_stats": con.to_pyarrow(usage_day_stats(usage)).to_pandas(),
    }
    return {name: f.sort_values(list(f.columns), ignore_index=True) for name, f in out.items()}


@pytest.mark.spark
@pytest.mark.slow
def test_duckdb_and_pyspark_agree_on_every_column(clean_world, duck, spark):
    settings, days = clean_world
    expected = feature_stage(duck, settings, days)
    got = feature_stage(spark, settings, days)
    assert expected["window"].new_model_pivot_1d.max() > 0  # the release is seen
    for name, frame in expected.items():
        assert len(frame) > 0, name
        pd.testing.assert_frame_equal(
            got[name].reset_index(drop=True)[list(frame.columns)],
            frame.reset_index(drop=True),
            check_dtype=False,
            rtol=1e-9,
            obj=name,
        )


@pytest.mark.spark
@pytest.mark.slow
def test_duckdb_and_pyspark_agree_on_linkage(clean_world, duck, spark):
    settings, days = clean_world
    expected = linkage_stage(duck, settings, days[-1])
    got = linkage_stage(spark, settings, days[-1])
    # Every kind of key is compared, including the top band of negative SimHashes (all ones
    # only if the shift sign-extends and the mask then clears the sign alike on both engines).
    assert set(expected["linkage_keys"].key_kind) == set(MAX_HOLDERS)
    assert "3:65535" in set(expected["linkage_keys"].key)
    for name, frame in expected.items():
        assert len(frame) > 0, name
        pd.testing.assert_frame_equal(got[name][list(frame.columns)], frame, obj=name)
