"""Measure a stage against a reference in the same run: medians, ratios and peak memory.

The machines are shared and noisy, so every figure is a median of repeats, and speed is
quoted as a ratio to a reference measured alongside it (a bare DuckDB scan-and-sum of the
same files). Peak memory is measured in a fresh child process, so one stage's allocations
do not hide another's.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import statistics
import subprocess
import time
import traceback
from pathlib import Path
from typing import Any, Callable


def scan_and_sum(files: list[Path], threads: int = 2) -> tuple:
    """The reference: read every row of the day once and sum a few columns."""
    import duckdb

    con = duckdb.connect(config={"threads": threads})
    return con.execute(
        "SELECT count(*), sum(input_tokens), sum(output_tokens), sum(reasoning_tokens),"
        " count(DISTINCT account_id) FROM read_parquet(?)",
        [[str(f) for f in files]],
    ).fetchone()


def scan_all_columns(files: list[Path], threads: int = 2) -> tuple:
    """The wide reference: every column the feature stage reads, each reduced once (numbers
    and times summed, booleans counted, strings by total length). No stage can do less than
    decode all of them, so this is the floor the ingest-to-features ratio is quoted against."""
    import duckdb
    import pyarrow.parquet as pq

    con = duckdb.connect(config={"threads": threads})
    terms = []
    for field in pq.read_schema(files[0]):
        name = f'"{field.name}"'
        if str(field.type) in ("string", "large_string"):
            terms.append(f"sum(length({name}))")
        elif str(field.type) == "bool":
            terms.append(f"count_if({name})")
        elif str(field.type).startswith("timestamp"):
            terms.append(f"sum(epoch_us({name}))")
        else:
            terms.append(f"sum({name}::DOUBLE)")
    return con.execute(f"SELECT count(*), {', '.join(terms)} FROM read_parquet(?)",
                       [[str(f) for f in files]]).fetchone()


def _child(fn: Callable[..., Any], args: tuple, queue: mp.Queue, keep_value: bool) -> None:
    start = time.perf_counter()
    try:
        value = fn(*args)
    except BaseException as error:  # the parent would otherwise wait for a result forever
        queue.put(f"{type(error).__name__}: {error}\n{traceback.format_exc()}")
        raise
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((seconds, peak_kib / 1024 / 1024, value if keep_value else None))


def _in_fork(fn: Callable[..., Any], args: tuple, keep_value: bool) -> tuple[float, float, Any]:
    ctx = mp.get_context("fork")
    queue: mp.Queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn, args, queue, keep_value))
    proc.start()
    result = queue.get()
    proc.join()
    if proc.exitcode or isinstance(result, str):
        raise RuntimeError(f"{fn.__name__} failed in its benchmark process ({proc.exitcode}): {result}")
    return result


def run_isolated(fn: Callable[..., Any], *args: Any) -> tuple[float, float]:
    """(seconds, peak GiB) of one call in a fresh process (fork keeps imports warm)."""
    seconds, peak, _ = _in_fork(fn, args, keep_value=False)
    return seconds, peak


def run_isolated_with_value(fn: Callable[..., Any], *args: Any) -> tuple[float, float, Any]:
    """(seconds, peak GiB, value) of one call in a fresh process; the value must pickle."""
    return _in_fork(fn, args, keep_value=True)


def value_in_child(fn: Callable[..., Any], *args: Any) -> Any:
    """`fn(*args)` (picklable) computed in a forked process. For calls into libraries that
    start background threads (MLflow): made in the parent, a later fork can inherit a lock
    held and hang (the end-to-end run hung twice after `champion_as_of` in the parent)."""
    return _in_fork(fn, args, keep_value=True)[2]


def compare(stages: dict[str, Callable[[], Any]], reference: str, repeats: int = 3) -> dict:
    """Interleave repeats of every stage, so noise hits them alike; report medians and ratios."""
    seconds: dict[str, list[float]] = {name: [] for name in stages}
    peaks: dict[str, list[float]] = {name: [] for name in stages}
    for _ in range(repeats):
        for name, fn in stages.items():
            s, peak = run_isolated(fn)
            seconds[name].append(s)
            peaks[name].append(peak)
    ref = statistics.median(seconds[reference])
    return {
        name: {
            "median_s": round(statistics.median(seconds[name]), 3),
            "runs_s": [round(s, 3) for s in seconds[name]],
            "ratio_to_reference": round(statistics.median(seconds[name]) / ref, 2),
            "peak_gib": round(max(peaks[name]), 2),
        }
        for name in stages
    }


RESULTS = Path(__file__).resolve().parent / "results"


def result_path(benchmark: str, preset: str, seed: int, label: str = "") -> Path:
    """`results/<benchmark>_<preset>_seed<N>[_<label>].json`: a label names a variant
    (an ablation, another configuration) so it does not overwrite the defaults' figures."""
    return RESULTS / f"{benchmark}_{preset}_seed{seed}{f'_{label}' if label else ''}.json"


def walk_parser(doc: str) -> argparse.ArgumentParser:
    """Arguments of a benchmark that reads a finished walk against its world's `_truth/`."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True, help="the simulated world, with _truth/")
    parser.add_argument("--out", type=Path, required=True, help="the output root of a finished walk")
    parser.add_argument("--label", default="", help="suffix of the result file, e.g. a configuration's name")
    return parser


def save_and_print(benchmark: str, result: dict, label: str, table: str) -> None:
    """Save `result` at its `result_path` and print its table."""
    path = result_path(benchmark, result["preset"], result["seed"], label)
    save(result, path)
    print(table)
    print(f"saved {path}")


def save(result: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")


def machine_load() -> str:
    """`uptime`'s line, kept with each figure: on a shared machine the load explains the spread."""
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def config_file(overrides: list[str], folder: Path) -> Path | None:
    """A TOML file holding `section.field=value` overrides (values written as TOML)."""
    if not overrides:
        return None
    sections: dict[str, list[str]] = {}
    for item in overrides:
        name, value = item.split("=", 1)
        section, _, field = name.rpartition(".")
        sections.setdefault(section, []).append(f"{field} = {value}")
    lines = [*sections.pop("", [])]
    for section, fields in sections.items():
        lines += [f"[{section}]", *fields]
    path = folder / "settings.toml"
    path.write_text("\n".join(lines) + "\n")
    return path
