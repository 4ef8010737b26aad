"""`distillguard ui`: the Dagster webserver + daemon and the MLflow UI, on 127.0.0.1, over
the same stores `distillguard run` wrote (DAGSTER_HOME, the raw and output roots, the
MLflow tracking URI). Both stop when either stops or on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from config import Settings
from pipelines.instance import ensure_home

BIN = Path(sys.executable).parent


def commands(settings: Settings, dagster_port: int, mlflow_port: int) -> dict[str, list[str]]:
    return {
        "dagster": [str(BIN / "dagster"), "dev", "-h", "127.0.0.1", "-p", str(dagster_port),
                    "-m", "pipelines.definitions"],
        # One worker: a local viewer on a shared two-core machine.
        "mlflow": [str(BIN / "mlflow"), "ui", "--host", "127.0.0.1", "--port", str(mlflow_port),
                   "--workers", "1", "--backend-store-uri", settings.tracking_uri],
    }


def environment(settings: Settings) -> dict[str, str]:
    """The children's environment: `load_settings` in `dagster dev` then sees our roots."""
    return {
        **os.environ,
        "DAGSTER_HOME": str(ensure_home(settings)),
        "DISTILLGUARD_RAW_ROOT": str(settings.raw_root.resolve()),
        "DISTILLGUARD_OUT_ROOT": str(settings.out_root.resolve()),
        # MLflow's background job runners (a pool of Huey consumers) serve no viewer need.
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
    }


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def serve(settings: Settings, dagster_port: int, mlflow_port: int) -> int:
    env = environment(settings)
    # Our own handlers: SIGTERM stops both too, and the children start with default
    # handlers even when we were started with SIGINT ignored (e.g. in the background).
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    # Own process groups: Ctrl-C reaches us only, and we stop each tree (webserver, daemon,
    # code server; MLflow's workers) in order.
    children = {name: subprocess.Popen(cmd, env=env, cwd=Path(__file__).resolve().parent.parent,
                                       start_new_session=True)
                for name, cmd in commands(settings, dagster_port, mlflow_port).items()}
    print(f"Dagster: http://127.0.0.1:{dagster_port}   (DAGSTER_HOME={env['DAGSTER_HOME']})")
    print(f"MLflow:  http://127.0.0.1:{mlflow_port}   ({settings.tracking_uri})")
    print("Ctrl-C stops both.", flush=True)
    try:
        while all(child.poll() is None for child in children.values()):
            time.sleep(0.5)
        code = next(c.returncode for c in children.values() if c.returncode is not None)
        print(f"a user interface stopped (exit {code}); stopping the other", file=sys.stderr)
    except KeyboardInterrupt:
        code = 0
    finally:
        for child in children.values():
            _stop(child)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if code == 0 else 1


def _stop(child: subprocess.Popen, grace: float = 20.0) -> None:
    """SIGTERM to the child's group (both shut down gracefully on it), SIGKILL after `grace`."""
    try:
        os.killpg(child.pid, signal.SIGTERM)
        child.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    except ProcessLookupError:  # the group is already gone
        child.wait()
