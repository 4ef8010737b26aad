"""Simulator generation speed: `simulation.simulate` for whole `tiny` and `demo` worlds and one
`incident` day, each once in a fresh process (they are heavy), as rows written per second.

Rows are the usage-log rows world.json counts (dirty rows included); the time includes the
population, labels and truth, which every call writes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from benchmarks.harness import machine_load, run_isolated, save

RUNS = {"tiny": None, "demo": None, "incident_one_day": [24]}


def generate(preset: str, days: list[int] | None, out: Path) -> None:
    from simulation import simulate

    simulate(preset, out, seed=7, days=days, progress=False)


def measure(workdir: Path) -> dict:
    result = {}
    for name, days in RUNS.items():
        preset = name.split("_")[0]
        out = workdir / name
        shutil.rmtree(out, ignore_errors=True)
        load = machine_load()
        seconds, peak = run_isolated(generate, preset, days, out)
        world = json.loads((out / "_truth" / "world.json").read_text())
        rows = sum(world["counts"]["rows_per_day"].values())
        result[name] = {"preset": preset, "days": days or "all", "rows": rows, "seconds": round(seconds, 2),
                        "rows_per_s": round(rows / seconds), "peak_gib": round(peak, 2),
                        "load_average": load}
        shutil.rmtree(out, ignore_errors=True)
    return result



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "dg_simulator_bench")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results/simulator.json"))
    args = parser.parse_args()
    result = measure(args.workdir)
    save(result, args.json)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
