"""`distillguard ui` points both interfaces at the run's stores and stops both together."""

from __future__ import annotations

import os
import sys
import time

from pipelines import ui


def test_both_interfaces_on_localhost_and_the_same_stores(settings):
    commands = ui.commands(settings, 3000, 5000)
    assert commands["dagster"][1:] == ["dev", "-h", "127.0.0.1", "-p", "3000", "-m", "pipelines.definitions"]
    assert commands["mlflow"][-2:] == ["--backend-store-uri", settings.tracking_uri]
    assert "127.0.0.1" in commands["mlflow"]
    env = ui.environment(settings)
    assert env["DAGSTER_HOME"] == str(settings.dagster_home.resolve())
    assert (settings.dagster_home / "dagster.yaml").exists()
    assert env["DISTILLGUARD_OUT_ROOT"] == str(settings.out_root.resolve())


def test_when_one_stops_the_other_is_stopped(settings, monkeypatch, tmp_path):
    pid_file = tmp_path / "pid"
    sleeper = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    monkeypatch.setattr(ui, "commands", lambda *_: {
        "dagster": [sys.executable, "-c", sleeper],
        "mlflow": [sys.executable, "-c", "import time; time.sleep(1); raise SystemExit(3)"],
    })
    started = time.monotonic()
    assert ui.serve(settings, 3000, 5000) == 1
    assert time.monotonic() - started < 15
    pid = int(pid_file.read_text())
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
