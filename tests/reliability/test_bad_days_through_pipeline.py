"""Bad input days through the whole pipeline (the row- and file-level catalogue itself is in
tests/features/test_ingest*.py): on a copy of the tiny world one day gets a corrupt file,
the next a file missing a column, and a day after the world's end has no folder. Each
is withheld with a reason naming the file, the walk carries on and publishes the good day
between them, and that day reads nothing derived from the bad days' earlier logs. The
good day also gets requests of an account the accounts table does not hold: they are
quarantined as `unknown_account`, not scored."""

from __future__ import annotations

import datetime as dt

import pyarrow.parquet as pq
import pytest

from pipelines.walk import walk_days
from publishing.status import read_status
from tests.reliability.conftest import LAST, add_file, copy_of

CORRUPT, MISSING_COLUMN, MISSING = LAST - dt.timedelta(days=2), LAST - dt.timedelta(days=1), LAST + dt.timedelta(days=1)


@pytest.mark.slow
def test_corrupt_file_missing_column_and_missing_day_are_withheld_by_name_and_the_walk_goes_on(tiny_run, tmp_path):
    copy = copy_of(tiny_run, tmp_path)
    settings = copy.settings()
    usage = copy.raw / "usage_logs"
    corrupt = usage / f"date={CORRUPT}" / "part-001.parquet"
    corrupt.write_bytes(corrupt.read_bytes()[: corrupt.stat().st_size // 2])
    narrow = usage / f"date={MISSING_COLUMN}" / "part-002.parquet"
    pq.write_table(pq.read_table(narrow).drop_columns(["model"]), narrow)
    add_file(copy.raw, LAST, "strangers", 3, account_id="acct-not-in-accounts")

    counts = walk_days(settings, end=MISSING)
    assert counts == {"skipped (done before)": 5, "withheld": 3, "published": 1}
    expected = {
        CORRUPT: f"usage_logs/date={CORRUPT}/part-001.parquet: not a readable Parquet file",
        MISSING_COLUMN: f"usage_logs/date={MISSING_COLUMN}/part-002.parquet: column(s) missing: model",
        MISSING: f"no usage logs for {MISSING}: usage_logs/date={MISSING} does not exist",
    }
    for day, message in expected.items():
        status = read_status(settings, day)
        assert status["state"] == "withheld" and status["retry"] is False
        assert status["reason"].startswith("blocking data check failed — usage_log_contract:")
        assert message in status["reason"], status["reason"]
        assert not (settings.published / "account_scores" / f"date={day}").exists()
        assert sorted(f.parent.name for f in settings.warehouse.glob(f"*/date={day}")) == ["quarantine", "usage"]
    assert read_status(settings, LAST)["state"] == "published"
    quarantine = pq.read_table(settings.warehouse_day("quarantine", LAST)).to_pandas()
    strangers = quarantine[quarantine["account_id"] == "acct-not-in-accounts"]
    assert strangers["reason"].tolist() == ["unknown_account"] * 3
    assert set(strangers["source_file"]) == {f"usage_logs/date={LAST}/strangers.parquet"}
    scores = pq.read_table(settings.published / "account_scores" / f"date={LAST}").to_pandas()
    assert "acct-not-in-accounts" not in set(scores["account_id"])
