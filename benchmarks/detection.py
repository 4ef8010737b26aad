"""Detection benchmark: simulate → run → evaluate one preset and seed, and keep the report.

    python -m benchmarks.detection --preset demo --seed 7 [--workdir DIR] [--label NAME]
                                   [--set model.unlabeled_weight=0.5 ...]

The evaluate JSON lands in `benchmarks/results/detection_<preset>_seed<N>[_<label>].json`
(a label names an ablation). The world is simulated once per workdir and reused; the run
always starts from an empty output folder, so the figures are those of a fresh walk.
`--set` overrides settings the way a TOML file would (`DISTILLGUARD_*` still applies).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import config_file, result_path, save
from evaluation.report import evaluate, format_report


def _cli(*args: str, env_config: Path | None = None) -> float:
    """Run `distillguard ARGS` in a child process (as an operator would); returns seconds."""
    env = dict(os.environ)
    if env_config is not None:
        env["DISTILLGUARD_CONFIG"] = str(env_config)
    started = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "distillguard"), *args], check=True, env=env)
    return time.perf_counter() - started


def run_benchmark(preset: str, seed: int, workdir: Path, label: str = "", overrides: list[str] = ()) -> Path:
    """Walk one world from an empty output folder and save its evaluate JSON; returns its path."""
    suffix = f"_{label}" if label else ""
    raw, out = workdir / f"raw_{preset}_seed{seed}", workdir / f"out_{preset}_seed{seed}{suffix}"
    timings = {}
    if not (raw / "_truth" / "world.json").exists():
        timings["simulate_s"] = _cli("simulate", "--preset", preset, "--out", str(raw), "--seed", str(seed))
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    config = config_file(list(overrides), out)
    timings["run_s"] = _cli("run", "--raw", str(raw), "--out", str(out), env_config=config)
    report = evaluate(raw, out)
    report["benchmark"] = {"preset": preset, "seed": seed, "label": label, "overrides": list(overrides),
                           **{k: round(v, 1) for k, v in timings.items()}}
    path = result_path("detection", preset, seed, label)
    save(report, path)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="demo")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, help="keeps the world and outputs (default: a temp folder)")
    parser.add_argument("--label", default="", help="suffix of the result file, e.g. an ablation name")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="SECTION.FIELD=VALUE")
    args = parser.parse_args(argv)
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        path = run_benchmark(args.preset, args.seed, args.workdir, args.label, args.overrides)
    else:
        with tempfile.TemporaryDirectory(prefix="distillguard-detection-") as folder:
            path = run_benchmark(args.preset, args.seed, Path(folder), args.label, args.overrides)
    print(format_report(json.loads(path.read_text())))
    print(f"saved {path}")


if __name__ == "__main__":
    main()
