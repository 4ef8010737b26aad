"""Publish a scored day whole or not at all; withhold a day with its reason.

Order of a publication: stage both tables in `_staging` → validate the scores with the
`account_scores` contract suite → move each file into an immutable, content-addressed
version folder → repoint the day's links (`os.replace`) → write the status file last →
drop versions no longer needed. A crash at any step leaves the previous day (or no day)
readable, never a partial one; the next run clears the staging it left and replaces the
day whole. See `layout.py` for why a symlink swap is atomic for readers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from config.settings import Settings
from data_contracts import runner
from publishing.layout import Layout, data_file, fsync_dir, fsync_file, point_link
from publishing.schema import NULLABLE, SCHEMAS, SORT_KEYS, TIERS, publication_time
from publishing.status import PUBLISHED, WITHHELD, write_status

# Fixed writer options: with the same rows, the same bytes (pyarrow 25 pinned).
WRITE_OPTIONS = dict(
    compression="zstd", compression_level=3, use_dictionary=True, write_statistics=True,
    version="2.6", data_page_size=1 << 20, store_schema=True,
)
ROW_GROUP_ROWS = 100_000
# Previous versions kept after a swap, so a reader that resolved the old link can finish.
KEEP_PREVIOUS = 1

Hook = Callable[[str], None]
Validate = Callable[[pd.DataFrame, str], object]


class PublishError(RuntimeError):
    """The day could be neither published nor withheld (e.g. the output folder is read-only)."""


def _no_hook(point: str) -> None:
    """Crash tests pass a hook that stops the process at a named point."""


def publish_day(
    settings: Settings,
    day: dt.date,
    scores: pd.DataFrame,
    campaigns: pd.DataFrame,
    status: dict,
    *,
    validate: Validate = runner.validate,
    hook: Hook = _no_hook,
) -> dict:
    """Publish day D's scores and campaigns; returns the status written.

    `scores`: account_id, risk_score, risk_tier, campaign_id, reasons (models.scoring plus
    the account's campaign). `campaigns`: the outputs.md columns minus score_date.
    `status` must name `model_name` and `model_version`; its other keys (`checks`, input
    counts …) are recorded as given. A failed score contract withholds the day; a
    filesystem error withholds it if the status can still be written, else raises
    PublishError — in both cases no partial day is left.
    """
    layout = Layout(settings.published)
    try:
        with layout.lock():
            _clear_staging(layout)
            hook("before_write")
            try:
                tables = {
                    "account_scores": _account_scores_table(day, scores, status),
                    "campaigns": _table("campaigns", day, campaigns),
                }
            except ValueError as error:
                return _withhold(layout, day, f"scores unusable: {error}", status)
            result = validate(tables["account_scores"].to_pandas(), "account_scores")
            checks = {**status.get("checks", {}), "account_scores_contract": {
                "success": bool(result.success), "summary": result.summary()}}
            status = {**status, "checks": checks}
            if not result.success:
                return _withhold(layout, day, f"score contract failed: {result.summary()}", status)
            return _swap_in(layout, day, tables, status, hook)
    except OSError as error:
        raise PublishError(f"cannot publish {day} under {layout.published}: {error}") from error


def _swap_in(layout: Layout, day: dt.date, tables: dict[str, pa.Table], status: dict, hook: Hook) -> dict:
    """Stage → versions → links → status → collect: the only path by which a day appears."""
    try:
        versions = _stage_versions(layout, day, tables, hook)
    except OSError as error:  # disk full, quota …: nothing was swapped in yet
        _clear_staging(layout)
        return _withhold(layout, day, f"could not write the day: {error}", status)
    hook("after_write")
    point_link(layout.day_link("account_scores", day), versions["account_scores"], layout.staging)
    hook("between_swaps")
    point_link(layout.day_link("campaigns", day), versions["campaigns"], layout.staging)
    hook("after_swap")
    final = {
        **status,
        "state": PUBLISHED,
        "reason": None,
        "published_at": publication_time(day).isoformat(),
        "rows": {name: table.num_rows for name, table in tables.items()},
        "tiers": _tier_counts(tables["account_scores"]),
        "files": {name: str((path / data_file(path.name)).relative_to(layout.published))
                  for name, path in versions.items()},
    }
    write_status(layout, day, final)
    hook("after_status")
    for name in SCHEMAS:
        _collect_versions(layout, name, day, keep=KEEP_PREVIOUS)
    return final


def withhold_day(settings: Settings, day: dt.date, reason: str, status: dict) -> dict:
    """Mark day D withheld with `reason` and remove any earlier publication of it.

    Never zeros: a withheld day has no score files, so enforcement cannot read it as
    "nobody is risky". Raises PublishError when even the status cannot be written.
    """
    layout = Layout(settings.published)
    try:
        with layout.lock():
            _clear_staging(layout)
            return _withhold(layout, day, reason, status)
    except OSError as error:
        raise PublishError(f"cannot withhold {day} under {layout.published}: {error}") from error


def _withhold(layout: Layout, day: dt.date, reason: str, status: dict) -> dict:
    for name in SCHEMAS:
        link = layout.day_link(name, day)
        if link.is_symlink():
            link.unlink()
            fsync_dir(link.parent)
    final = {**status, "state": WITHHELD, "reason": reason, "published_at": None,
             "rows": {name: 0 for name in SCHEMAS}, "files": {}}
    write_status(layout, day, final)
    for name in SCHEMAS:
        _collect_versions(layout, name, day, keep=0)
    return final


def _account_scores_table(day: dt.date, scores: pd.DataFrame, status: dict) -> pa.Table:
    missing = {"model_name", "model_version"} - status.keys()
    if missing:
        raise ValueError(f"status lacks {sorted(missing)}: a published row must name its model")
    frame = scores.assign(model_name=status["model_name"], model_version=str(status["model_version"]),
                          published_at=pd.Timestamp(publication_time(day)))
    return _table("account_scores", day, frame)


def _table(name: str, day: dt.date, frame: pd.DataFrame) -> pa.Table:
    """The frame in the table's exact schema and fixed row order, without pandas metadata."""
    schema = SCHEMAS[name]
    missing = set(schema.names) - {"score_date"} - set(frame.columns)
    if missing:
        raise ValueError(f"{name} for {day} lacks columns {sorted(missing)}")
    frame = frame.assign(score_date=day)[schema.names]
    frame = frame.sort_values(SORT_KEYS[name], kind="mergesort").reset_index(drop=True)
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False).replace_schema_metadata(None)
    for column in set(schema.names) - NULLABLE[name]:
        if table[column].null_count:
            raise ValueError(f"{name} for {day}: {table[column].null_count} null {column!r}")
    if len(set(table[SORT_KEYS[name]].to_pylist())) != table.num_rows:
        raise ValueError(f"{name} for {day}: duplicate {SORT_KEYS[name]!r}")
    return table


def _stage_versions(layout: Layout, day: dt.date, tables: dict[str, pa.Table], hook: Hook) -> dict[str, Path]:
    """Write each table aside, then move it into its content-addressed version folder."""
    layout.staging.mkdir(parents=True, exist_ok=True)
    versions = {}
    for name, table in tables.items():
        staged = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=layout.staging))
        digest = _write_parquet(staged / "part.parquet.tmp", table, hook)
        os.rename(staged / "part.parquet.tmp", staged / data_file(digest))
        target = layout.versions(name, day) / digest
        if target.exists():  # same content already published: keep the existing bytes
            shutil.rmtree(staged)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(staged, target)
            fsync_dir(target.parent)
        versions[name] = target
    return versions


def _write_parquet(path: Path, table: pa.Table, hook: Hook) -> str:
    """Write in fixed row groups, fsync, return the first 16 hex of the file's SHA-256."""
    with pq.ParquetWriter(path, table.schema, **WRITE_OPTIONS) as writer:
        for offset in range(0, max(table.num_rows, 1), ROW_GROUP_ROWS):
            writer.write_table(table.slice(offset, ROW_GROUP_ROWS), row_group_size=ROW_GROUP_ROWS)
            hook("mid_write")
    fsync_file(path)
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _tier_counts(scores: pa.Table) -> dict[str, int]:
    counts = pd.Series(scores["risk_tier"].to_pylist(), dtype=object).value_counts()
    return {tier: int(counts.get(tier, 0)) for tier in TIERS}


def _clear_staging(layout: Layout) -> None:
    """Called under the lock: any staging present belongs to a run that died."""
    if layout.staging.exists():
        shutil.rmtree(layout.staging)


def _collect_versions(layout: Layout, name: str, day: dt.date, keep: int) -> None:
    """Delete the day's versions except the current one and the `keep` newest others."""
    folder = layout.versions(name, day)
    if not folder.exists():
        return
    current = layout.current_version(name, day)
    others = sorted((p for p in folder.iterdir() if p != current), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in others[keep:]:
        shutil.rmtree(old)
    if not any(folder.iterdir()):
        folder.rmdir()
