"""The enforcement mirror: what it holds, the SQL enforcement runs, and how it is swapped."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from publishing_fixtures import DAY, STATUS, day_campaigns, day_scores, passing
from publishing.mirror import ACCOUNTS_TO_ACT_ON_SQL, DayNotPublished, accounts_to_act_on, refresh_mirror
from publishing.publish import publish_day, withhold_day

NEXT = DAY + dt.timedelta(days=1)


def publish(settings, bump=0.0, day=DAY, **kwargs):
    return publish_day(settings, day, day_scores(bump), day_campaigns(bump), STATUS, validate=passing, **kwargs)


def reader(settings):
    return duckdb.connect(str(settings.mirror_path), read_only=True)


def test_mirror_holds_published_days_and_every_status(settings):
    publish(settings)
    withhold_day(settings, NEXT, "blocking check failed: usage_logs contract", {})
    assert refresh_mirror(settings) == {"account_scores": 6, "campaigns": 2, "publication_status": 2}
    con = reader(settings)
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_name = 'account_scores'").fetchall())
    assert types["score_date"] == "DATE" and types["published_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["reasons"].startswith("STRUCT(feature VARCHAR")
    assert con.execute("SELECT score_date, state, reason, account_rows FROM publication_status ORDER BY 1").fetchall() == [
        (DAY, "published", None, 6), (NEXT, "withheld", "blocking check failed: usage_logs contract", 0)]


def test_enforcement_reads_flagged_accounts_strongest_first(settings):
    publish(settings)
    refresh_mirror(settings)
    rows = accounts_to_act_on(reader(settings), DAY)
    assert list(rows["account_id"]) == ["acct-000", "acct-001", "acct-002"]
    assert list(rows["risk_tier"]) == ["suspend_review", "throttle", "verify"]
    assert rows["reasons"].map(len).min() > 0
    assert "$day" in ACCOUNTS_TO_ACT_ON_SQL and str(DAY) not in ACCOUNTS_TO_ACT_ON_SQL


@pytest.mark.parametrize("withhold", [True, False], ids=["withheld", "never-tried"])
def test_a_day_without_scores_is_never_read_as_nobody_risky(settings, withhold):
    publish(settings)
    if withhold:
        withhold_day(settings, NEXT, "no champion model as of 2026-03-03", {})
    refresh_mirror(settings)
    with pytest.raises(DayNotPublished, match="withheld: no champion" if withhold else "never attempted"):
        accounts_to_act_on(reader(settings), NEXT)


def test_an_open_reader_keeps_its_mirror_while_a_new_one_is_swapped_in(settings):
    publish(settings)
    refresh_mirror(settings)
    old = reader(settings)
    publish(settings, bump=0.02)
    refresh_mirror(settings)
    query = "SELECT max(risk_score) FROM account_scores"
    assert old.execute(query).fetchall() == [(0.95,)]
    old.close()  # DuckDB shares one open database per path within a process
    assert reader(settings).execute(query).fetchall() == [(0.97,)]


def test_mirror_loads_the_pair_the_status_names_not_a_half_swapped_day(settings):
    publish(settings)

    def crash(point):
        if point == "between_swaps":
            raise KeyboardInterrupt(point)

    with pytest.raises(KeyboardInterrupt):
        publish(settings, bump=0.02, hook=crash)
    refresh_mirror(settings)
    con = reader(settings)
    assert con.execute("SELECT max(risk_score) FROM account_scores").fetchall() == [(0.95,)]
    assert con.execute("SELECT max(risk_score) FROM campaigns").fetchall() == [(0.9,)]


def test_paths_reach_sql_as_parameters(settings, tmp_path):
    """An output folder whose name would break string-built SQL."""
    odd = settings.replace(out_root=tmp_path / "o'brien'); DROP TABLE x; --")
    publish(odd)
    assert refresh_mirror(odd)["account_scores"] == 6
