"""The DuckDB mirror the enforcement system opens read-only, and the SQL it runs.

The mirror is rebuilt from the status files into a temporary database beside it and
swapped in with `os.replace`: a reader opens the previous mirror or the new one, never a
half-loaded one, and a crash during the load leaves the previous mirror in place. Each
published day is loaded from the exact files its status names, so the mirror's rows and
its `publication_status` always agree, even while a re-run of a day is half-way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import pandas as pd
import pyarrow as pa

from config.settings import Settings
from publishing.layout import fsync_dir, fsync_file
from publishing.schema import FLAGGED_TIERS, SCHEMAS
from publishing.status import PUBLISHED, all_statuses

STATUS_SCHEMA = pa.schema(
    [
        ("score_date", pa.date32()),
        ("state", pa.string()),
        ("reason", pa.string()),
        ("model_name", pa.string()),
        ("model_version", pa.string()),
        ("account_rows", pa.int64()),
        ("campaign_rows", pa.int64()),
        ("published_at", pa.timestamp("us", tz="UTC")),
        ("written_at", pa.timestamp("us", tz="UTC")),
        ("checks", pa.string()),  # JSON text of the check results
    ]
)

# What enforcement asks first: is the day there, and if not, why. No row means the
# pipeline never tried the day; `withheld` means it tried and refused — neither is "nobody".
DAY_STATUS_SQL = "SELECT state, reason, model_version FROM publication_status WHERE score_date = $day"

# Then: the day's accounts at `verify` or above, strongest first, with their reasons.
ACCOUNTS_TO_ACT_ON_SQL = f"""
SELECT a.account_id, a.risk_tier, a.risk_score, a.campaign_id, a.model_version, a.reasons
FROM account_scores AS a
JOIN publication_status AS p ON p.score_date = a.score_date AND p.state = '{PUBLISHED}'
WHERE a.score_date = $day AND a.risk_tier IN {tuple(FLAGGED_TIERS)}
ORDER BY a.risk_score DESC, a.account_id
"""


class DayNotPublished(LookupError):
    """The day has no published scores: absent or withheld. Act on nothing, alert someone."""


def accounts_to_act_on(con: duckdb.DuckDBPyConnection, day: dt.date) -> pd.DataFrame:
    """Enforcement's daily read: flagged accounts of `day`, or DayNotPublished."""
    rows = con.execute(DAY_STATUS_SQL, {"day": day}).fetchall()
    status = rows[0] if rows else None
    if status is None or status[0] != PUBLISHED:
        why = "never attempted" if status is None else f"{status[0]}: {status[1]}"
        raise DayNotPublished(f"{day} is not published ({why})")
    return con.execute(ACCOUNTS_TO_ACT_ON_SQL, {"day": day}).df()


def refresh_mirror(settings: Settings, *, hook: Callable[[str], None] = lambda point: None) -> dict:
    """Rebuild `settings.mirror_path` from every published day; returns row counts per table."""
    target = settings.mirror_path
    target.parent.mkdir(parents=True, exist_ok=True)
    statuses = all_statuses(settings)
    with _writer_lock(target):
        for leftover in target.parent.glob(f".{target.name}.*.tmp*"):
            leftover.unlink()  # from a load that died: we hold the lock, so nobody owns it
        temp = target.parent / f".{target.name}.{os.getpid()}.tmp"
        con = duckdb.connect(str(temp), config={"threads": settings.threads,
                                                "memory_limit": settings.duckdb_memory_limit})
        try:
            counts = {name: _load_table(con, settings, name, statuses, hook) for name in SCHEMAS}
            status_rows = _status_table(statuses)
            con.register("status_rows", status_rows)
            con.execute("CREATE TABLE publication_status AS SELECT * FROM status_rows ORDER BY score_date").fetchall()
            counts["publication_status"] = status_rows.num_rows
        finally:
            con.close()
        fsync_file(temp)
        os.replace(temp, target)
        fsync_dir(target.parent)
    return counts


def _load_table(con, settings: Settings, name: str, statuses: list[dict], hook) -> int:
    """Create `name` with its exact schema, then append the files the published statuses name."""
    con.register("empty", SCHEMAS[name].empty_table())
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM empty").fetchall()  # name: a constant of SCHEMAS
    con.unregister("empty")
    files = [str(settings.published / s["files"][name]) for s in statuses if s["state"] == PUBLISHED]
    if files:
        con.execute(f"INSERT INTO {name} SELECT * FROM read_parquet($files, hive_partitioning = false)", {"files": files}).fetchall()
    hook("mirror_mid_load")
    return con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]


def _status_table(statuses: list[dict]) -> pa.Table:
    frame = pd.DataFrame(
        {
            "score_date": [dt.date.fromisoformat(s["date"]) for s in statuses],
            "state": [s["state"] for s in statuses],
            "reason": [s.get("reason") for s in statuses],
            "model_name": [s.get("model_name") for s in statuses],
            "model_version": [None if s.get("model_version") is None else str(s["model_version"]) for s in statuses],
            "account_rows": [s["rows"]["account_scores"] for s in statuses],
            "campaign_rows": [s["rows"]["campaigns"] for s in statuses],
            "published_at": pd.to_datetime([s.get("published_at") for s in statuses], utc=True),
            "written_at": pd.to_datetime([s["written_at"] for s in statuses], utc=True),
            "checks": [json.dumps(s.get("checks", {}), sort_keys=True, default=str) for s in statuses],
        }
    )
    return pa.Table.from_pandas(frame, schema=STATUS_SCHEMA, preserve_index=False)


@contextlib.contextmanager
def _writer_lock(target: Path) -> Iterator[None]:
    """DuckDB allows one writer per file; we also allow one builder per mirror."""
    with open(target.parent / f".{target.name}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
