"""`distillguard`: simulate a world, run the pipeline over it day by day, evaluate, look.

Heavy libraries (Dagster, MLflow, the simulator) are imported inside the subcommands so
that `--help` and argument errors answer at once.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DAGSTER_PORT, MLFLOW_PORT = 3000, 5000


class UsageError(Exception):
    """A bad argument: reported in one line, exit code 2."""


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a day (YYYY-MM-DD): {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="distillguard", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    simulate = commands.add_parser("simulate", help="write a simulated world (and its _truth) to RAW_ROOT")
    simulate.add_argument("--preset", required=True, metavar="NAME", help="tiny, demo or incident")
    simulate.add_argument("--out", required=True, type=Path, metavar="RAW_ROOT")
    simulate.add_argument("--seed", type=int, default=7, metavar="N")

    run = commands.add_parser("run", help="run the pipeline day by day and publish each day")
    run.add_argument("--raw", required=True, type=Path, metavar="RAW_ROOT")
    run.add_argument("--out", required=True, type=Path, metavar="OUT_ROOT")
    run.add_argument("--start", type=_day, metavar="DAY", help="first day (default: the first in RAW_ROOT)")
    run.add_argument("--end", type=_day, metavar="DAY", help="last day (default: the last in RAW_ROOT)")

    evaluate = commands.add_parser("evaluate", help="compare what was published with the ground truth")
    evaluate.add_argument("--raw", required=True, type=Path, metavar="RAW_ROOT")
    evaluate.add_argument("--out", required=True, type=Path, metavar="OUT_ROOT")
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")

    ui = commands.add_parser("ui", help="start the Dagster and MLflow user interfaces on 127.0.0.1")
    ui.add_argument("--raw", type=Path, metavar="RAW_ROOT", help="default: the demo's (settings)")
    ui.add_argument("--out", type=Path, metavar="OUT_ROOT", help="default: the demo's (settings)")
    return parser


def _settings(args: argparse.Namespace):
    from config import load_settings

    return load_settings(raw_root=getattr(args, "raw", None), out_root=getattr(args, "out", None))


def cmd_simulate(args: argparse.Namespace) -> int:
    import simulation

    if args.preset not in simulation.PRESETS:
        raise UsageError(f"unknown preset {args.preset!r}; choose from {', '.join(sorted(simulation.PRESETS))}")
    simulation.simulate(args.preset, args.out, seed=args.seed)
    print(f"simulated world {args.preset!r} (seed {args.seed}) written to {args.out}")
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from pipelines.walk import walk_days
    from publishing.publish import PublishError

    settings = _settings(args)
    try:
        counts = walk_days(settings, args.start, args.end)
    except PublishError as error:  # not even a withheld status can be written: stop here
        print(f"distillguard run: error: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(", ".join(f"{n} {state}" for state, n in counts.items()) + f" — outputs in {settings.out_root}")
    return EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    from evaluation.report import evaluate, format_report

    for root, flag in ((args.raw, "--raw"), (args.out, "--out")):
        if not root.is_dir():
            raise UsageError(f"{flag} {root}: no such folder")
    report = evaluate(args.raw, args.out)
    print(json.dumps(report, indent=2, default=str) if args.json else format_report(report))
    return EXIT_OK


def cmd_ui(args: argparse.Namespace) -> int:
    from pipelines.ui import serve

    return serve(_settings(args), DAGSTER_PORT, MLFLOW_PORT)


COMMANDS = {"simulate": cmd_simulate, "run": cmd_run, "evaluate": cmd_evaluate, "ui": cmd_ui}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except UsageError as error:
        print(f"distillguard {args.command}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"distillguard {args.command}: interrupted", file=sys.stderr)
        return 130
