"""Hand-made clean usage and accounts, a seeded multi-day clean world, and both engines."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from config.settings import Settings
from features.aggregates import TOPICS
from features.engine import connect

UTC = dt.timezone.utc

CLEAN_USAGE_SCHEMA = pa.schema(
    [
        ("request_id", pa.string()),
        ("ts", pa.timestamp("us", tz="UTC")),
        ("account_id", pa.string()),
        ("api_key_id", pa.string()),
        ("ip_hash", pa.string()),
        ("ip_prefix", pa.string()),
        ("asn", pa.int32()),
        ("ip_kind", pa.string()),
        ("country", pa.string()),
        ("user_agent", pa.string()),
        ("model", pa.string()),
        ("input_tokens", pa.int32()),
        ("output_tokens", pa.int32()),
        ("reasoning_tokens", pa.int32()),
        ("status", pa.int16()),
        ("latency_ms", pa.int32()),
        ("prompt_simhash", pa.int64()),
        ("system_prompt_hash", pa.string()),
        ("topic", pa.string()),
        ("cot_elicitation", pa.bool_()),
        ("turn_index", pa.int16()),
        ("tool_count", pa.int16()),
        ("temperature", pa.float32()),
    ]
)

CLEAN_ACCOUNTS_SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("org_id", pa.string()),
        ("email_domain", pa.string()),
        ("payment_fingerprint", pa.string()),
        ("card_bin", pa.string()),
        ("billing_country", pa.string()),
        ("verification", pa.string()),
        ("tier", pa.string()),
        ("program", pa.string()),
        ("signup_ip_hash", pa.string()),
        ("signup_prefix", pa.string()),
        ("signup_user_agent", pa.string()),
    ]
)

_USAGE_DEFAULTS = dict(
    account_id="a1", api_key_id="k1", ip_hash="ip1", ip_prefix="p1", asn=100,
    ip_kind="residential", country="US", user_agent="sdk/1", model="m-1",
    input_tokens=100, output_tokens=10, reasoning_tokens=0, status=200, latency_ms=50,
    prompt_simhash=1, system_prompt_hash=None, topic="chat", cot_elicitation=False,
    turn_index=1, tool_count=0, temperature=1.0,
)  # fmt: skip

_ACCOUNT_DEFAULTS = dict(
    created_at=dt.datetime(2026, 1, 1, tzinfo=UTC), org_id=None, email_domain="mail.test",
    payment_fingerprint=None, card_bin=None, billing_country="US", verification="email",
    tier="free", program="none", signup_ip_hash="sip", signup_prefix=None,
    signup_user_agent="browser",
)  # fmt: skip


def usage_table(*rows: dict) -> pa.Table:
    """Clean usage from hand-written requests; unspecified columns take harmless defaults.
    `ts` may be given as "HH:MM:SS[.fff]" on 2026-03-10 or as a datetime."""
    full = []
    for i, row in enumerate(rows):
        ts = row.get("ts", "12:00:00")
        if isinstance(ts, str):
            ts = dt.datetime.combine(dt.date(2026, 3, 10), dt.time.fromisoformat(ts), UTC)
        full.append({**_USAGE_DEFAULTS, "request_id": f"r{i}", **row, "ts": ts})
    return pa.Table.from_pylist(full, schema=CLEAN_USAGE_SCHEMA)


def accounts_table(*rows: dict) -> pa.Table:
    return pa.Table.from_pylist(
        [{**_ACCOUNT_DEFAULTS, **row} for row in rows], schema=CLEAN_ACCOUNTS_SCHEMA
    )


@pytest.fixture(scope="session")
def duck():
    return connect(Settings(threads=1))


@pytest.fixture(scope="session")
def spark():
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("PySpark needs Java")
    con = connect(Settings(engine="pyspark"))
    # Test data is tiny: compiling generated code costs more than it saves.
    con._session.conf.set("spark.sql.codegen.wholeStage", "false")
    con._session.conf.set("spark.sql.codegen.factoryMode", "NO_CODEGEN")
    yield con
    con._session.stop()


# ---- a seeded multi-day clean world ---------------------------------------------------

WORLD_START = dt.date(2026, 3, 1)
WORLD_DAYS = [WORLD_START + dt.timedelta(i) for i in range(8)]


def write_clean_world(
    settings: Settings, days: list[dt.date], seed: int = 7, n_accounts: int = 60,
    requests_per_day: int = 1500,
) -> None:  # fmt: skip
    """Write what ingest hands to features: clean usage per day and the accounts snapshot,
    under `settings.warehouse`. Random but seeded; shaped to exercise every feature (shared
    instruments and BINs, null system prompts and billing countries, a model released the
    day before the last, a few machine-regular accounts, accounts created mid-world)."""
    rng = np.random.default_rng(seed)
    ids = [f"acct{i:03d}" for i in range(n_accounts)]
    created = [
        dt.datetime.combine(days[0], dt.time(), UTC)
        - dt.timedelta(days=int(rng.integers(-4, 60)), seconds=int(rng.integers(0, 86_400)))
        for _ in ids
    ]
    countries = np.array(["US", "DE", "JP", "BR", "IN", "ZZ"])
    accounts = accounts_table(
        *(
            dict(
                account_id=a,
                created_at=created[i],
                payment_fingerprint=None if i % 5 == 0 else f"pay{i % 17}",
                card_bin=None if i % 5 == 0 else f"4{i % 6:05d}",
                billing_country=None if i % 7 == 0 else str(rng.choice(countries[:5])),
                verification=str(rng.choice(["none", "email", "phone", "id", "weird"])),
                tier=str(rng.choice(["free", "paid", "enterprise"])),
                program=str(rng.choice(["none", "education", "research", "startup"])),
                signup_ip_hash=f"sip{i}",
                signup_prefix=None if i % 9 == 0 else f"spre{i % 11}",
            )
            for i, a in enumerate(ids)
        )
    )
    path = settings.warehouse / "accounts" / "accounts.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(accounts, path)

    weight = rng.pareto(1.2, n_accounts) + 0.05
    regular = set(rng.choice(n_accounts, 4, replace=False).tolist())
    for d_index, day in enumerate(days):
        start = dt.datetime.combine(day, dt.time(), UTC)
        live = np.array([c < start + dt.timedelta(days=1) for c in created])
        p = weight * live * rng.uniform(0.3, 1.7, n_accounts)
        who = rng.choice(n_accounts, requests_per_day, p=p / p.sum())
        seconds = rng.uniform(0, 86_400, requests_per_day)
        for a in regular:  # machine-regular: one request every 90 s from 01:00
            mine = np.flatnonzero(who == a)
            seconds[mine] = (3_600 + 90.0 * np.arange(len(mine))) % 86_000
        models = ["m-1", "m-2"] + (["m-3"] if d_index >= len(days) - 2 else [])
        n = requests_per_day
        table = pa.Table.from_pydict(
            dict(
                request_id=[f"{day}-{i}" for i in range(n)],
                ts=[start + dt.timedelta(seconds=float(s)) for s in seconds],
                account_id=[ids[w] for w in who],
                api_key_id=[f"key{w}-{k}" for w, k in zip(who, rng.integers(0, 3, n))],
                ip_hash=[f"ip{x}" for x in rng.integers(0, 200, n)],
                ip_prefix=[f"pre{x}" for x in rng.integers(0, 40, n)],
                asn=rng.integers(1, 30, n).astype("int32"),
                ip_kind=rng.choice(["residential", "mobile", "datacenter", "vpn_proxy", "unknown"], n),
                country=rng.choice(countries, n),
                user_agent=rng.choice(["sdk/1", "sdk/2", "curl/8"], n),
                model=rng.choice(models, n),
                input_tokens=rng.integers(0, 4_000, n).astype("int32"),
                output_tokens=rng.integers(0, 2_000, n).astype("int32"),
                reasoning_tokens=rng.integers(0, 500, n).astype("int32"),
                status=rng.choice([200, 200, 200, 429, 500], n).astype("int16"),
                latency_ms=rng.integers(10, 5_000, n).astype("int32"),
                prompt_simhash=rng.integers(-16, 16, n),  # few templates: they repeat
                system_prompt_hash=[None if x == 0 else f"sp{x}" for x in rng.integers(0, 4, n)],
                topic=rng.choice(list(TOPICS), n),
                cot_elicitation=rng.random(n) < 0.2,
                turn_index=rng.integers(1, 4, n).astype("int16"),
                tool_count=rng.choice([0, 0, 1, 3], n).astype("int16"),
                temperature=rng.choice([0.0, 0.7, 1.0], n).astype("float32"),
            ),
            schema=CLEAN_USAGE_SCHEMA,
        )
        out = settings.warehouse_day("usage", day)
        out.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, out / "part-0.parquet")


@pytest.fixture(scope="session")
def clean_world(tmp_path_factory) -> tuple[Settings, list[dt.date]]:
    """Settings whose warehouse holds a few days of clean usage and the accounts, in the
    layout ingest writes; any world ingested into that layout can stand in for this one."""
    settings = Settings(out_root=Path(tmp_path_factory.mktemp("world")), threads=1)
    write_clean_world(settings, WORLD_DAYS)
    return settings, WORLD_DAYS


def by_account(con, expr) -> dict[str, dict]:
    """Run `expr` on `con`: its rows as dicts keyed by account_id (nulls as None)."""
    return {row["account_id"]: row for row in con.to_pyarrow(expr).to_pylist()}
