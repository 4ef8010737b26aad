"""The feature-stage floor (`benchmarks.feature_floor`) computes what the features compute:
a fair reference, not a strawman that does less work than the stage it is compared with."""

from __future__ import annotations

import duckdb
import pandas as pd

from benchmarks.feature_floor import answers
from features.aggregates import HOURS, account_day, account_day_models, hour_column
from features.linkage import ADDRESS_RANGE, SYNC_MINUTE, TEMPLATE, linkage_keys


def _sorted(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    return frame.sort_values(by, ignore_index=True)


def test_floor_gives_the_features_numbers(clean_world, duck):
    settings, days = clean_world
    day = days[-1]
    path = settings.warehouse_day("usage", day) / "part-0.parquet"
    usage = duck.read_parquet(str(path))
    accounts = duck.read_parquet(str(settings.warehouse / "accounts" / "accounts.parquet"))
    features = duck.to_pyarrow(account_day(usage, accounts)).to_pandas().set_index("account_id")
    models = duck.to_pyarrow(account_day_models(usage)).to_pandas()
    keys = duck.to_pyarrow(linkage_keys(usage, accounts, day)).to_pandas()

    con = duckdb.connect()
    # the floor reads the raw address; the address range is what the linkage keys share
    con.execute(f"CREATE VIEW u AS SELECT *, ip_prefix AS ip FROM read_parquet('{path}')")
    floor = {name: table.to_pandas() for name, table in answers(con)}

    for name in ("per_account_sums", "per_account_distinct", "top_template",
                 "top_system_prompt", "gaps"):  # fmt: skip
        got = floor[name].set_index("account_id")
        expected = features.loc[got.index, [c if c != "distinct_ips" else "distinct_prefixes"
                                            for c in got.columns]]
        expected.columns = got.columns
        pd.testing.assert_frame_equal(got, expected, check_dtype=False, rtol=1e-12, obj=name)
    assert len(floor["per_account_sums"]) == len(features)
    # the top values leave out accounts without one; the features count them as 0
    for name in ("top_template", "top_system_prompt"):
        absent = features.index.difference(floor[name].account_id)
        assert (features.loc[absent, floor[name].columns[1:]] == 0).all().all()
    hours = floor["per_account_hours"].pivot(index="account_id", columns="hour", values="requests")
    hours = hours.reindex(columns=list(HOURS)).fillna(0)
    hours.columns = [hour_column(h) for h in HOURS]
    pd.testing.assert_frame_equal(hours, features.loc[hours.index, hours.columns], check_dtype=False)
    pd.testing.assert_frame_equal(
        _sorted(floor["models"], ["account_id", "model"]),
        _sorted(models[["account_id", "model", "requests"]], ["account_id", "model"]),
        check_dtype=False)

    expected_keys = {kind: set(zip(k.account_id, k.key)) for kind, k in keys.groupby("key_kind")}
    address = floor["address_keys"]
    assert set(zip(address.account_id, address.ip)) == expected_keys[ADDRESS_RANGE]
    sync = floor["sync_minute_keys"]
    assert {(a, f"{m}|{n}") for a, m, n in zip(sync.account_id, sync.minute, sync.asn)} \
        == expected_keys[SYNC_MINUTE]
    bands = {(a, f"{name[len('template_band_')]}:{v}")
             for name, f in floor.items() if name.startswith("template_band_")
             for a, v in zip(f.account_id, f.value)}
    assert bands == expected_keys[TEMPLATE]
    assert all(expected_keys[k] for k in (ADDRESS_RANGE, SYNC_MINUTE, TEMPLATE))  # not vacuous
