"""Missing pieces through the pipeline: an MLflow store that cannot be reached withholds each
day with a status saying so (to be retried) and writes nothing else; an output folder that
cannot be written stops `distillguard run` with one line naming it and changes nothing.
(No champion: tests/pipelines/test_materialize.py; a full disk mid-publish:
tests/publishing/test_publish.py.)"""

from __future__ import annotations

import datetime as dt
import os
import socket

import pytest

from pipelines.walk import walk_days
from publishing.status import read_status
from tests.reliability.conftest import LAST, TinyRun, run_cli

# As in tests/publishing/test_publish_crash.py: root ignores permission bits; without
# these capabilities it obeys them like anyone.
AS_PLAIN_USER = ("setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner") if os.geteuid() == 0 else ()



def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("store", ["closed_port", "sqlite_path_under_a_file"])
def test_unreachable_mlflow_store_withholds_each_day_and_writes_nothing_else(tiny_raw, tmp_path, monkeypatch, store):
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")  # fail in a second, not minutes
    (tmp_path / "a-file").write_text("")
    uri = {"closed_port": f"http://127.0.0.1:{closed_port()}",
           "sqlite_path_under_a_file": f"sqlite:///{tmp_path}/a-file/mlflow.db"}[store]
    monkeypatch.setenv("DISTILLGUARD_MLFLOW_TRACKING_URI", uri)  # as `distillguard run` hands it to the job
    settings = TinyRun(tiny_raw, tmp_path / "out", tmp_path / "dagster_home").settings(mlflow_tracking_uri=uri)
    days = [LAST - dt.timedelta(days=1), LAST]
    assert walk_days(settings, *days) == {"withheld": 2}
    for day in days:
        status = read_status(settings, day)
        assert status["reason"].startswith(f"the champion model as of {day} cannot be read from the MLflow registry")
        assert status["retry"] is True and status["files"] == {}
    written = sorted(str(p.relative_to(settings.out_root)) for p in settings.out_root.rglob("*") if p.is_file())
    assert [p for p in written if not p.startswith("published/_status/")] == ["published/.lock"]


@pytest.mark.slow
def test_read_only_output_folder_stops_the_run_with_one_line_and_changes_nothing(tiny_raw, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        done = run_cli(tiny_raw, out, tmp_path / "dagster_home", "--start", str(LAST), "--end", str(LAST),
                       prefix=AS_PLAIN_USER)
        err = done.stderr.decode()
        assert done.returncode == 1, err[-2000:]
        assert f"distillguard run: error: cannot withhold {LAST} under {out}/published" in err
        assert "Permission denied" in err and "Traceback" not in err
        assert list(out.iterdir()) == []
    finally:
        out.chmod(0o755)
