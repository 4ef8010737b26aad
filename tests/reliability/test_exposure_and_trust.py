"""Exposure and trust: `distillguard ui` listens on 127.0.0.1 only, and the scoring path the
pipeline takes (champion as of the day, then `score_accounts`) unpickles nothing. (A model
file not matching its recorded SHA-256 is refused: tests/models/test_registry.py, on the
same `load_version` that `champion_as_of` calls; paths with a quote through every SQL
entry point: tests/reliability/test_backfills.py.)"""

from __future__ import annotations

import ipaddress
import os
import pickle
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.reliability.conftest import LAST

UI_START_TIMEOUT = 90


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, start time): the start time tells a pid reused later apart."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        found[int(stat.parent.name)] = (int(fields[1]), fields[19])
    return found


def process_tree(root: int) -> dict[int, str]:
    """pid -> start time of `root` and its descendants."""
    table = processes()
    tree, grown = {root}, True
    while grown:
        new = {pid for pid, (parent, _) in table.items() if parent in tree} - tree
        tree, grown = tree | new, bool(new)
    return {pid: table[pid][1] for pid in tree if pid in table}


def socket_inodes(pids: set[int]) -> set[str]:
    inodes = set()
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").glob("*"):
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[len("socket:["):-1])
    return inodes


def listening_sockets() -> dict[str, tuple[ipaddress._BaseAddress, int]]:
    """inode -> (address, port) of every TCP socket in LISTEN state, from /proc/net/tcp{,6}."""
    found = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] != "0A":  # LISTEN
                continue
            address, port = fields[1].split(":")
            raw = bytes.fromhex(address)  # each 32-bit word in host (little-endian) order
            words = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
            found[fields[9]] = (ipaddress.ip_address(words), int(port, 16))
    return found


@pytest.mark.slow
def test_ui_listens_on_127_0_0_1_only(tiny_raw, tmp_path):
    dagster_port, mlflow_port = free_port(), free_port()
    settings = (f"load_settings(env={{}}, raw_root={str(tiny_raw)!r}, out_root={str(tmp_path / 'out')!r}, "
                f"dagster_home={str(tmp_path / 'dagster_home')!r})")
    code = (f"import sys; from config import load_settings; from pipelines.ui import serve; "
            f"sys.exit(serve({settings}, {dagster_port}, {mlflow_port}))")
    ui = subprocess.Popen([sys.executable, "-c", code], start_new_session=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen: dict[int, str] = {}
    try:
        deadline = time.monotonic() + UI_START_TIMEOUT
        while True:
            seen |= process_tree(ui.pid)
            mine = socket_inodes(set(seen))
            listening = [where for inode, where in listening_sockets().items() if inode in mine]
            ports = {port for _, port in listening}
            if {dagster_port, mlflow_port} <= ports or time.monotonic() > deadline or ui.poll() is not None:
                break
            time.sleep(1)
        assert {dagster_port, mlflow_port} <= ports, f"not listening after {UI_START_TIMEOUT} s: {listening}"
        assert all(address.is_loopback for address, _ in listening), listening
        assert {str(address) for address, port in listening if port in (dagster_port, mlflow_port)} == {"127.0.0.1"}
    finally:
        if ui.poll() is None:
            ui.send_signal(signal.SIGTERM)  # serve stops both interfaces on it
            try:
                ui.wait(60)
            except subprocess.TimeoutExpired:
                pass
        alive = processes()
        for pid, started in seen.items():  # only our own processes that outlived a failed test
            if pid in alive and alive[pid][1] == started:
                os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
def test_pipeline_scoring_path_unpickles_nothing_and_gives_the_published_scores(tiny_run, monkeypatch):
    from models.registry import champion_as_of
    from models.scoring import score_accounts
    from pipelines.io import read_frame

    settings = tiny_run.settings()
    features = read_frame(settings.warehouse_day("features", LAST))

    def refuse(*args, **kwargs):
        raise AssertionError("pickle used on the scoring path")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    model = champion_as_of(LAST, settings)
    scores = score_accounts(model, features)
    monkeypatch.undo()
    published = pq.read_table(settings.published / "account_scores" / f"date={LAST}").to_pandas()
    both = published.merge(scores, on="account_id", suffixes=("_published", ""), validate="1:1")
    assert len(both) == len(published) == len(features) > 0
    pd.testing.assert_series_equal(both["risk_score"], both["risk_score_published"], check_names=False)
    assert (both["risk_tier"] == both["risk_tier_published"]).all()
