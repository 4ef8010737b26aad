"""The command line parses what outputs.md promises and refuses the rest in one line."""

from __future__ import annotations

import pytest

from pipelines.cli import EXIT_USAGE, build_parser, main


@pytest.mark.parametrize("argv", [
    ["simulate", "--preset", "tiny", "--out", "raw", "--seed", "3"],
    ["run", "--raw", "raw", "--out", "out", "--start", "2026-03-02", "--end", "2026-03-09"],
    ["evaluate", "--raw", "raw", "--out", "out", "--json"],
    ["ui"],
])
def test_contract_commands_parse(argv):
    assert build_parser().parse_args(argv).command == argv[0]


@pytest.mark.parametrize("argv", [
    [],
    ["launch"],
    ["run", "--raw", "raw"],
    ["run", "--raw", "raw", "--out", "out", "--start", "March 2"],
    ["simulate", "--preset", "tiny", "--out", "raw", "--seed", "many"],
])
def test_bad_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == EXIT_USAGE
    assert "error:" in capsys.readouterr().err


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    return err


def test_unknown_preset(tmp_path, capsys):
    assert main(["simulate", "--preset", "huge", "--out", str(tmp_path)]) == EXIT_USAGE
    assert "unknown preset 'huge'; choose from" in _one_line_error(capsys)


def test_run_without_usage_logs(tmp_path, capsys):
    assert main(["run", "--raw", str(tmp_path / "raw"), "--out", str(tmp_path / "out")]) == EXIT_USAGE
    assert "no usage_logs/date=YYYY-MM-DD folders" in _one_line_error(capsys)


def test_run_start_after_end(tmp_path, capsys):
    (tmp_path / "raw" / "usage_logs" / "date=2026-03-02").mkdir(parents=True)
    argv = ["run", "--raw", str(tmp_path / "raw"), "--out", str(tmp_path / "out"),
            "--start", "2026-03-05", "--end", "2026-03-02"]
    assert main(argv) == EXIT_USAGE
    assert "--start 2026-03-05 is after --end 2026-03-02" in _one_line_error(capsys)


def test_run_outside_partitions(tmp_path, capsys):
    (tmp_path / "raw" / "usage_logs" / "date=2020-01-01").mkdir(parents=True)
    assert main(["run", "--raw", str(tmp_path / "raw"), "--out", str(tmp_path / "out")]) == EXIT_USAGE
    assert "within the daily partitions" in _one_line_error(capsys)


def test_evaluate_missing_folder(tmp_path, capsys):
    assert main(["evaluate", "--raw", str(tmp_path / "nope"), "--out", str(tmp_path)]) == EXIT_USAGE
    assert "--raw" in _one_line_error(capsys)
