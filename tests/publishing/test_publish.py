"""A published day: exact contract types, fixed bytes, replaced whole, withheld without files."""

from __future__ import annotations

import datetime as dt
import errno
import threading

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from publishing_fixtures import DAY, STATUS, day_campaigns, day_scores, failing, passing
from publishing.layout import Layout
from publishing.publish import KEEP_PREVIOUS, publish_day, withhold_day
from publishing.status import read_status


def day_files(settings, table="account_scores", day=DAY):
    return sorted((settings.published / table / f"date={day}").glob("*.parquet"))


def read_day(settings, table="account_scores", day=DAY):
    glob = str(settings.published / table / "*" / "*.parquet")
    return duckdb.connect().execute(
        "SELECT * FROM read_parquet($glob, hive_partitioning = true) WHERE date = $day ORDER BY 2",
        {"glob": glob, "day": day},
    ).df()


def test_published_files_have_the_contract_types(settings):
    publish_day(settings, DAY, day_scores(), day_campaigns(), STATUS, validate=passing)
    scores = pq.read_table(day_files(settings)[0])
    types = {f.name: f.type for f in scores.schema}
    assert types["score_date"] == pa.date32()
    assert types["published_at"] == pa.timestamp("us", tz="UTC")
    assert types["reasons"].value_type == pa.struct(
        [("feature", pa.string()), ("value", pa.float64()), ("contribution", pa.float64()), ("text", pa.string())])
    campaigns = pq.read_table(day_files(settings, "campaigns")[0])
    assert {campaigns.schema.field(c).type for c in ("n_accounts", "n_flagged", "requests")} == {pa.int64()}
    assert campaigns.schema.field("evidence").type.value_type == pa.string()
    assert scores.schema.metadata is None or b"pandas" not in scores.schema.metadata


def test_rows_sorted_named_and_stamped_with_the_logical_time(settings):
    publish_day(settings, DAY, day_scores(), day_campaigns(), STATUS, validate=passing)
    scores = pq.read_table(day_files(settings)[0]).to_pylist()
    assert [r["account_id"] for r in scores] == sorted(r["account_id"] for r in scores)
    assert {r["published_at"] for r in scores} == {dt.datetime(2026, 3, 3, tzinfo=dt.timezone.utc)}
    assert {(r["model_name"], r["model_version"], r["score_date"]) for r in scores} == {("distillguard-risk", "3", DAY)}
    campaigns = pq.read_table(day_files(settings, "campaigns")[0]).to_pylist()
    assert [c["campaign_id"] for c in campaigns] == ["camp-A", "camp-B"]


def test_same_inputs_give_byte_identical_files(settings, tmp_path):
    other = settings.replace(out_root=tmp_path / "other")
    for target in (settings, settings, other):
        publish_day(target, DAY, day_scores(), day_campaigns(), STATUS, validate=passing)
    for table in ("account_scores", "campaigns"):
        (mine,), (theirs,) = day_files(settings, table), day_files(other, table)
        assert mine.read_bytes() == theirs.read_bytes()
    assert len(list(Layout(settings.published).versions("account_scores", DAY).iterdir())) == 1


def test_rows_read_back_from_parquet_publish_to_the_same_bytes(settings, tmp_path):
    """Upstream hands frames read from Parquet (lists arrive as numpy arrays): same bytes."""
    publish_day(settings, DAY, day_scores(), day_campaigns(), STATUS, validate=passing)
    (scores_file,), (campaigns_file,) = day_files(settings), day_files(settings, "campaigns")
    again = settings.replace(out_root=tmp_path / "again")
    publish_day(again, DAY, pq.read_table(scores_file).to_pandas(), pq.read_table(campaigns_file).to_pandas(),
                STATUS, validate=passing)
    assert day_files(again)[0].read_bytes() == scores_file.read_bytes()
    assert day_files(again, "campaigns")[0].read_bytes() == campaigns_file.read_bytes()


def test_status_is_written_with_counts_checks_and_files(settings):
    publish_day(settings, DAY, day_scores(), day_campaigns(), STATUS, validate=passing)
    status = read_status(settings, DAY)
    assert status["state"] == "published" and status["reason"] is None
    assert status["rows"] == {"account_scores": 6, "campaigns": 2}
    assert status["tiers"] == {"none": 2, "monitor": 1, "verify": 1, "throttle": 1, "suspend_review": 1}
    assert status["checks"]["account_scores_contract"]["success"] is True
    assert status["checks"]["usage_logs_contract"] == {"success": True}
    assert (settings.published / status["files"]["account_scores"]).resolve() == day_files(settings)[0].resolve()


def test_a_rerun_replaces_the_day_whole_and_old_versions_are_collected(settings):
    for bump in (0.0, 0.01, 0.02):
        publish_day(settings, DAY, day_scores(bump), day_campaigns(bump), STATUS, validate=passing)
    rows = read_day(settings)
    assert len(rows) == 6 and rows["risk_score"].max() == pytest.approx(0.97)
    versions = Layout(settings.published).versions("account_scores", DAY)
    assert len(list(versions.iterdir())) == 1 + KEEP_PREVIOUS


def test_duckdb_and_pyarrow_dataset_read_through_the_links(settings):
    for day in (DAY, DAY + dt.timedelta(days=1)):
        publish_day(settings, day, day_scores(), day_campaigns(), STATUS, validate=passing)
    dataset = ds.dataset(settings.published / "account_scores", format="parquet", partitioning="hive")
    table = dataset.to_table()
    assert table.num_rows == 12 and set(table["date"].to_pylist()) == {"2026-03-02", "2026-03-03"}
    counts = duckdb.connect().execute(
        "SELECT date, count(*) FROM read_parquet($g, hive_partitioning = true) GROUP BY 1 ORDER BY 1",
        {"g": str(settings.published / "campaigns" / "*" / "*.parquet")}).fetchall()
    assert counts == [(DAY, 2), (DAY + dt.timedelta(days=1), 2)]


def test_withheld_day_has_no_files_and_says_why(settings):
    publish_day(settings, DAY, day_scores(), day_campaigns(), STATUS, validate=passing)
    withhold_day(settings, DAY, "no champion model as of 2026-03-02", {"checks": {}})
    assert day_files(settings) == [] and day_files(settings, "campaigns") == []
    assert not Layout(settings.published).versions("account_scores", DAY).exists()
    status = read_status(settings, DAY)
    assert status["state"] == "withheld" and "no champion" in status["reason"]
    assert status["rows"] == {"account_scores": 0, "campaigns": 0}


def test_failed_score_contract_withholds_the_day(settings):
    status = publish_day(settings, DAY, day_scores(), day_campaigns(), STATUS, validate=failing)
    assert status["state"] == "withheld" and "risk_score between 0 and 1" in status["reason"]
    assert read_status(settings, DAY)["checks"]["account_scores_contract"]["success"] is False
    assert day_files(settings) == []


def test_rows_without_a_model_or_with_duplicates_are_withheld(settings):
    status = publish_day(settings, DAY, day_scores(), day_campaigns(), {"checks": {}}, validate=passing)
    assert status["state"] == "withheld" and "model_name" in status["reason"]
    twice = day_scores().pipe(lambda f: f._append(f.iloc[:1]))
    status = publish_day(settings, DAY, twice, day_campaigns(), STATUS, validate=passing)
    assert status["state"] == "withheld" and "duplicate 'account_id'" in status["reason"]


def test_staging_left_by_a_dead_run_is_cleared(settings):
    junk = Layout(settings.published).staging / "account_scores-dead"
    junk.mkdir(parents=True)
    (junk / "part-0.parquet").write_bytes(b"PAR1 half")
    publish_day(settings, DAY, day_scores(), day_campaigns(), STATUS, validate=passing)
    assert not junk.exists()


def test_a_full_disk_withholds_the_day_and_leaves_nothing_half_written(settings, monkeypatch):
    publish_day(settings, DAY, day_scores(), day_campaigns(), STATUS, validate=passing)

    def disk_full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq.ParquetWriter, "write_table", disk_full)
    status = publish_day(settings, DAY, day_scores(0.01), day_campaigns(), STATUS, validate=passing)
    assert status["state"] == "withheld" and "No space left" in status["reason"]
    assert day_files(settings) == [] and not any(Layout(settings.published).staging.iterdir())


def test_a_reader_never_sees_a_mix_of_two_versions(settings):
    """A read racing a swap gets the old day, the new day, or a clean "no such file" —
    never one version's footer with the other's bytes."""
    versions = [day_scores(0.0), day_scores(0.01)]
    expected = [sorted(v["risk_score"]) for v in versions]
    publish_day(settings, DAY, versions[0], day_campaigns(), STATUS, validate=passing)
    seen, unexpected, done = [], [], threading.Event()

    def reader():
        while not done.is_set():
            try:
                seen.append(sorted(read_day(settings)["risk_score"]))
            except duckdb.Error as error:  # bound to a file that the swap took away: fine
                if not ("No such file" in str(error) or "No files found" in str(error)):
                    unexpected.append(error)

    thread = threading.Thread(target=reader)
    thread.start()
    for i in range(1, 16):
        publish_day(settings, DAY, versions[i % 2], day_campaigns(), STATUS, validate=passing)
    done.set()
    thread.join()
    assert not unexpected, unexpected[:1]
    assert seen and all(s in expected for s in seen), [s for s in seen if s not in expected][:1]


@pytest.mark.slow
def test_the_score_contract_suite_guards_the_swap(settings):
    """The real Great Expectations suite, not a stand-in: a score above 1 never goes out."""
    assert publish_day(settings, DAY, day_scores(), day_campaigns(), STATUS)["state"] == "published"
    broken = day_scores(0.02).assign(risk_score=lambda f: f["risk_score"] + 0.5)
    status = publish_day(settings, DAY, broken, day_campaigns(), STATUS)
    assert status["state"] == "withheld" and "risk_score" in status["reason"]
    assert day_files(settings) == []
