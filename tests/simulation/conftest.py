"""One `tiny` world for the whole module: generating it is the expensive part."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from simulation import simulate
from simworld import on_folder_day, valid_ip


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny_world")
    world = simulate("tiny", root, seed=7, progress=False)
    return root, world


@pytest.fixture(scope="session")
def raw(tiny):
    return tiny[0]


@pytest.fixture(scope="session")
def world(tiny):
    return tiny[1]


@pytest.fixture(scope="session")
def logs(raw) -> pd.DataFrame:
    """All requests, with the folder's date as `date`."""
    table = ds.dataset(raw / "usage_logs", format="parquet", partitioning="hive").to_table()
    return table.to_pandas()


@pytest.fixture(scope="session")
def accounts(raw) -> pd.DataFrame:
    return pq.read_table(raw / "accounts" / "accounts.parquet").to_pandas()


@pytest.fixture(scope="session")
def labels(raw) -> pd.DataFrame:
    return pq.read_table(raw / "enforcement_labels" / "labels.parquet").to_pandas()


@pytest.fixture(scope="session")
def truth(raw) -> pd.DataFrame:
    return pq.read_table(raw / "_truth" / "accounts_truth.parquet").to_pandas().set_index("account_id")


@pytest.fixture(scope="session")
def clean(logs) -> pd.DataFrame:
    """Requests without the deliberately broken rows (the truth never depends on them)."""
    ok = (
        logs["account_id"].notna()
        & on_folder_day(logs)
        & logs["input_tokens"].between(0, 1_000_000)
        & logs["output_tokens"].between(0, 1_000_000)
        & logs["topic"].isin(["coding", "math", "reasoning", "agentic", "writing", "chat", "translation", "other"])
        & logs["ip_kind"].isin(["residential", "mobile", "datacenter", "vpn_proxy", "unknown"])
        & logs["status"].isin([200, 400, 401, 403, 413, 429, 500, 529])
        & valid_ip(logs["ip"])
    )
    return logs[ok & ~logs["request_id"].duplicated()]


@pytest.fixture(scope="session")
def world_json(raw) -> dict:
    return json.loads((raw / "_truth" / "world.json").read_text())
