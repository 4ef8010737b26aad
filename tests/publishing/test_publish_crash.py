"""Kill a publishing run at each of its steps: readers see the old day or the new day, whole,
and a re-run leaves exactly one day, byte-identical to a run that was never interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from publishing_fixtures import DAY, STATUS, day_campaigns, day_scores, passing
from publishing.layout import Layout
from publishing.mirror import refresh_mirror
from publishing.publish import publish_day

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
POINTS = ["before_write", "mid_write", "after_write", "between_swaps", "after_swap", "after_status",
          "mirror_mid_load"]
OLD, NEW = 0.0, 0.02


def spawn(out_root: Path, bump: float, *extra: str, prefix: tuple[str, ...] = ()) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{HERE}"}
    return subprocess.Popen([*prefix, sys.executable, str(HERE / "child.py"), str(out_root), str(bump), *extra],
                            env=env, cwd=HERE, stderr=subprocess.PIPE, text=True)


def publish(settings, bump: float) -> None:
    publish_day(settings, DAY, day_scores(bump), day_campaigns(bump), STATUS, validate=passing)
    refresh_mirror(settings)


def visible_day(settings) -> dict[str, list]:
    """What a reader of the published files sees of DAY, per table."""
    con = duckdb.connect()
    return {
        table: sorted(con.execute(
            f"SELECT {column} FROM read_parquet($g, hive_partitioning = true) WHERE date = $d",
            {"g": str(settings.published / table / "*" / "*.parquet"), "d": DAY}).fetchall())
        for table, column in (("account_scores", "account_id, risk_score"), ("campaigns", "campaign_id, risk_score"))
    }


def mirror_day(settings) -> dict[str, list]:
    con = duckdb.connect(str(settings.mirror_path), read_only=True)
    rows = {table: sorted(con.execute(f"SELECT {column} FROM {table} WHERE score_date = $d", {"d": DAY}).fetchall())
            for table, column in (("account_scores", "account_id, risk_score"), ("campaigns", "campaign_id, risk_score"))}
    ((state,),) = con.execute("SELECT state FROM publication_status WHERE score_date = $d", {"d": DAY}).fetchall()
    con.close()
    return rows | {"state": state}


@pytest.fixture(scope="module")
def expected(tmp_path_factory):
    """Clean, uninterrupted runs: what the day looks like before and after."""
    from config.settings import Settings

    views = {}
    for bump in (OLD, NEW):
        settings = Settings(out_root=tmp_path_factory.mktemp(f"clean{bump}"))
        publish(settings, bump)
        files = {t: next((settings.published / t / f"date={DAY}").glob("*.parquet")).read_bytes()
                 for t in ("account_scores", "campaigns")}
        views[bump] = (visible_day(settings), files)
    return views


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
@pytest.mark.parametrize("point", POINTS)
def test_killed_run_leaves_a_whole_day_and_a_rerun_gives_the_same_bytes(settings, tmp_path, expected, point, sig):
    publish(settings, OLD)
    marker = tmp_path / "reached"
    child = spawn(settings.out_root, NEW, point, str(marker))
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert child.poll() is None, child.stderr.read()
        assert time.monotonic() < deadline, f"child never reached {point}"
        time.sleep(0.05)
    child.send_signal(sig)
    assert child.wait(timeout=30) == -sig

    seen = visible_day(settings)
    for table, rows in seen.items():  # each table: the whole old day or the whole new day
        assert rows in (expected[OLD][0][table], expected[NEW][0][table])
    mirrored = mirror_day(settings)  # the mirror: one consistent pair, as its status names it
    assert mirrored["state"] == "published"
    assert {t: mirrored[t] for t in seen} in (expected[OLD][0], expected[NEW][0])

    publish(settings, NEW)
    for table, data in expected[NEW][1].items():
        (only,) = (settings.published / table / f"date={DAY}").glob("*.parquet")
        assert only.read_bytes() == data
    assert mirror_day(settings) == expected[NEW][0] | {"state": "published"}
    assert not any(Layout(settings.published).staging.iterdir())
    assert [p.name for p in settings.out_root.glob(".distillguard.duckdb.*.tmp*")] == []


# Root ignores permission bits; without these capabilities it obeys them like anyone.
AS_PLAIN_USER = ("setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner") if os.geteuid() == 0 else ()


def test_read_only_output_folder_fails_clearly_and_changes_nothing(settings):
    out_root = settings.out_root
    publish(settings, OLD)
    before = {p: p.read_bytes() for p in sorted(out_root.rglob("*")) if p.is_file()}
    for folder in [out_root, *filter(Path.is_dir, out_root.rglob("*"))]:
        folder.chmod(0o555)
    try:
        child = spawn(out_root, NEW, prefix=AS_PLAIN_USER)
        _, err = child.communicate(timeout=60)
        assert child.returncode == 3, err
        assert f"cannot publish {DAY}" in err and ("Permission denied" in err or "Read-only" in err)
        after = {p: p.read_bytes() for p in sorted(out_root.rglob("*")) if p.is_file()}
        assert after == before
    finally:
        for folder in [out_root, *filter(Path.is_dir, out_root.rglob("*"))]:
            folder.chmod(0o755)
