"""Where a published day lives on disk, and the few filesystem moves that make it atomic.

Each `published/<table>/date=D` is a symlink to an immutable version folder
`published/_versions/<table>/date=D/<hash>/part-<hash>.parquet` (hash: of the file's
bytes). A day is swapped in with `os.replace` of a fresh symlink (one rename: readers
resolve the old or the new folder), and a day is exactly one file whose name is unique to
its content. That last point matters: readers such as DuckDB open a file more than once
(schema at bind time, data at scan time); had both versions the same name, a swap in
between would hand a reader one version's footer and the other's bytes. With
content-named files the second open finds no such file and the reader fails cleanly —
it can never combine two versions. The two tables of a day are swapped one after the other; the status file,
written after both, names the pair that belongs together, and the mirror loads exactly
that pair. Versions, staging and the lock sit outside the table folders, so
`<table>/*/*.parquet` globs see only published days.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator



def data_file(digest: str) -> str:
    return f"part-{digest}.parquet"


@dataclass(frozen=True)
class Layout:
    published: Path

    @property
    def staging(self) -> Path:
        """Scratch space on the same filesystem, so renames out of it are atomic."""
        return self.published / "_staging"

    @property
    def status_dir(self) -> Path:
        return self.published / "_status"

    def day_link(self, table: str, day: dt.date) -> Path:
        return self.published / table / f"date={day.isoformat()}"

    def versions(self, table: str, day: dt.date) -> Path:
        return self.published / "_versions" / table / f"date={day.isoformat()}"

    def status_file(self, day: dt.date) -> Path:
        return self.status_dir / f"date={day.isoformat()}.json"

    def current_version(self, table: str, day: dt.date) -> Path | None:
        """The version folder the day's link points to, or None when the day has no files."""
        link = self.day_link(table, day)
        return link.resolve() if link.is_symlink() else None

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """One writer of `published/` at a time; whatever staging exists meanwhile is dead."""
        self.published.mkdir(parents=True, exist_ok=True)
        with open(self.published / ".lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield


def fsync_dir(path: Path) -> None:
    """Make a rename/creation inside `path` durable (a rename is only atomic, not durable)."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def write_atomic(path: Path, data: bytes, scratch: Path) -> None:
    """Write temp in `scratch` + fsync + os.replace: the file is the old or the new, whole."""
    scratch.mkdir(parents=True, exist_ok=True)
    temp = scratch / f"{path.name}.{os.getpid()}.tmp"
    with open(temp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
    fsync_dir(path.parent)


def point_link(link: Path, target: Path, scratch: Path) -> None:
    """Atomically (re)point `link` at `target` with a relative symlink."""
    if link.exists() and not link.is_symlink():
        raise FileExistsError(f"{link} is a real folder, not a published-day link; remove it by hand")
    link.parent.mkdir(parents=True, exist_ok=True)
    scratch.mkdir(parents=True, exist_ok=True)
    temp = scratch / f"{link.name}.{link.parent.name}.{os.getpid()}.link"
    with contextlib.suppress(FileNotFoundError):
        temp.unlink()
    temp.symlink_to(os.path.relpath(target, link.parent))
    os.replace(temp, link)
    fsync_dir(link.parent)
