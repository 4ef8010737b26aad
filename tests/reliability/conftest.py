"""One end-to-end run of the `tiny` world, shared by every reliability test that needs one:
simulated once, then `distillguard run` as the user runs it (a subprocess, its stdout and
stderr kept for the privacy scan) on a private Dagster home. Tests that change inputs or
outputs work on a `copy_of` it, never on the run itself."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from config import Settings, load_settings

FIRST, LAST = dt.date(2026, 3, 2), dt.date(2026, 3, 9)  # the tiny world's days
DISTILLGUARD = Path(sys.executable).parent / "distillguard"


@dataclass(frozen=True)
class TinyRun:
    raw: Path
    out: Path
    dagster_home: Path
    stdout: bytes = b""
    stderr: bytes = b""

    def settings(self, **changes) -> Settings:
        return load_settings(env={}, **{"raw_root": self.raw, "out_root": self.out,
                                        "dagster_home": self.dagster_home, **changes})


def run_cli(raw: Path, out: Path, dagster_home: Path, *args: str,
            prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """`distillguard run`, with none of the caller's DISTILLGUARD_* settings but the Dagster home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISTILLGUARD_")}
    env["DISTILLGUARD_DAGSTER_HOME"] = str(dagster_home)
    return subprocess.run([*prefix, str(DISTILLGUARD), "run", "--raw", str(raw), "--out", str(out), *args],
                          env=env, capture_output=True, timeout=1200)


@pytest.fixture(scope="session")
def tiny_raw(tmp_path_factory) -> Path:
    """The tiny world alone, for tests that run their own days."""
    from simulation import simulate

    raw = tmp_path_factory.mktemp("tiny_world") / "raw"
    simulate("tiny", raw, seed=7, progress=False)
    return raw


@pytest.fixture(scope="session")
def tiny_run(tiny_raw, tmp_path_factory) -> TinyRun:
    root = tmp_path_factory.mktemp("tiny_run")
    done = run_cli(tiny_raw, root / "out", root / "dagster_home")
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
    return TinyRun(tiny_raw, root / "out", root / "dagster_home", done.stdout, done.stderr)


def copy_of(run: TinyRun, root: Path) -> TinyRun:
    """Raw and output roots copied under `root` (file times kept: they are the resume key),
    with a fresh Dagster home. The copied MLflow store still reads model files from the
    run's artifact folder, so a copy must not retrain."""
    shutil.copytree(run.raw, root / "raw")
    shutil.copytree(run.out, root / "out", symlinks=True)
    return TinyRun(root / "raw", root / "out", root / "dagster_home")


def published_bytes(settings: Settings) -> dict[str, bytes]:
    """Every published data file as the enforcement system reads it (through the day links)."""
    return {str(p.relative_to(settings.published)): p.read_bytes()
            for p in sorted(settings.published.glob("*/date=*/*.parquet"))}


def add_file(raw: Path, day: dt.date, name: str, rows: int, **constants: str) -> Path:
    """A file that arrives in day D's folder after D ran: the first `rows` rows of its first
    file under new request ids (`name-…`), with `constants` overriding string columns."""
    folder = raw / "usage_logs" / f"date={day.isoformat()}"
    table = pq.read_table(sorted(folder.glob("*.parquet"))[0]).slice(0, rows)
    changes = {"request_id": pc.binary_join_element_wise(f"{name}-", table.column("request_id"), ""),
               **{column: pa.array([value] * rows, pa.string()) for column, value in constants.items()}}
    for column, values in changes.items():
        table = table.set_column(table.schema.get_field_index(column), column, values)
    pq.write_table(table, folder / f"{name}.parquet")
    return folder / f"{name}.parquet"
