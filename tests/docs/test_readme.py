"""The README is a promise: its commands exist, CI runs the same test command, its SQL is the code's."""

import re
from pathlib import Path

from publishing.mirror import ACCOUNTS_TO_ACT_ON_SQL, DAY_STATUS_SQL

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def _squash(sql: str) -> str:
    return " ".join(sql.split()).rstrip(";")


def test_the_two_commands_are_make_targets_and_ci_runs_the_test_one():
    assert "make demo" in README and "make test" in README
    targets = set(re.findall(r"^([a-z-]+):", (ROOT / "Makefile").read_text(), flags=re.M))
    assert {"demo", "test"} <= targets
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert "make test" in ci


def test_the_enforcement_sql_in_the_readme_is_the_sql_the_code_runs():
    blocks = re.findall(r"```sql\n(.*?)```", README, flags=re.S)
    statements = [
        _squash(s) for block in blocks
        for s in re.sub(r"--[^\n]*", "", block).split(";") if s.strip()
    ]
    assert _squash(DAY_STATUS_SQL) in statements
    assert _squash(ACCOUNTS_TO_ACT_ON_SQL) in statements
