"""`distillguard ui` points both interfaces at the run's stores and stops both together; on a
run world, Dagster shows the day materialized and MLflow the champion with its plots."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from pipelines import ui
from pipelines.cli import DAGSTER_PORT, MLFLOW_PORT

DISTILLGUARD = os.path.join(os.path.dirname(sys.executable), "distillguard")


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


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _get(url: str, body: dict | None = None, timeout: float = 30) -> bytes:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read()


def _wait_for(url: str, body: dict | None, child: subprocess.Popen, log, ready=bool, timeout: float = 240):
    """The JSON answer of `url` once it is `ready` (servers answer before their data is loaded)."""
    deadline = time.monotonic() + timeout
    while True:
        assert child.poll() is None, f"distillguard ui exited: {log.read_text(errors='replace')[-3000:]}"
        try:
            answer = json.loads(_get(url, body))
            if ready(answer):
                return answer
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        assert time.monotonic() < deadline, f"{url} did not answer in {timeout} s"
        time.sleep(2)


PARTITIONS = """{ assetNodes { assetKey { path } isPartitioned assetPartitionStatuses {
  ... on TimePartitionStatuses { ranges { startKey endKey status } } } } }"""


@pytest.mark.slow
def test_on_a_run_world_dagster_shows_the_day_and_mlflow_the_champion_with_its_plots(first_published_day, tmp_path):
    settings, day = first_published_day
    if _listening(DAGSTER_PORT) or _listening(MLFLOW_PORT):
        pytest.skip(f"port {DAGSTER_PORT} or {MLFLOW_PORT} is taken (a `distillguard ui` already running?)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISTILLGUARD_")}
    env["DISTILLGUARD_DAGSTER_HOME"] = str(settings.dagster_home)
    log = tmp_path / "ui.log"  # a file, not a pipe: nobody drains a pipe while we wait
    with open(log, "wb") as out:
        child = subprocess.Popen([DISTILLGUARD, "ui", "--raw", str(settings.raw_root), "--out", str(settings.out_root)],
                                 env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        nodes = _wait_for(f"http://127.0.0.1:{DAGSTER_PORT}/graphql", {"query": PARTITIONS}, child, log,
                          ready=lambda answer: answer.get("data", {}).get("assetNodes"))
        materialized = {
            "/".join(node["assetKey"]["path"]): {(r["startKey"], r["endKey"]) for r in
                                                 node["assetPartitionStatuses"]["ranges"] if r["status"] == "MATERIALIZED"}
            for node in nodes["data"]["assetNodes"] if node["isPartitioned"]
        }
        first = min(start for ranges in materialized.values() for start, _ in ranges)
        assert materialized["published_day"] == {(first, day.isoformat())}
        assert materialized["account_scores_day"] == {(first, day.isoformat())}

        mlflow = f"http://127.0.0.1:{MLFLOW_PORT}"
        query = urllib.parse.urlencode({"name": settings.registered_model_name})
        model = _wait_for(f"{mlflow}/api/2.0/mlflow/registered-models/get?{query}", None, child, log)
        aliases = {a["alias"]: a["version"] for a in model["registered_model"]["aliases"]}
        assert {"champion", "challenger"} <= set(aliases)
        query = urllib.parse.urlencode({"name": settings.registered_model_name, "version": aliases["champion"]})
        run_id = json.loads(_get(f"{mlflow}/api/2.0/mlflow/model-versions/get?{query}"))["model_version"]["run_id"]
        for plot in ("pr_curve.png", "calibration_curve.png", "shap_summary.png"):
            query = urllib.parse.urlencode({"path": plot, "run_uuid": run_id})
            assert _get(f"{mlflow}/get-artifact?{query}")[:8] == b"\x89PNG\r\n\x1a\n", plot
    finally:
        child.send_signal(signal.SIGINT)  # Ctrl-C
        code = child.wait(90)
    assert code == 0
    assert not _listening(DAGSTER_PORT) and not _listening(MLFLOW_PORT)
