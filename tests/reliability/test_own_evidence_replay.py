"""`benchmarks.own_evidence` replays what a walk published: same champion, same features,
same score and same capped tier for every flagged account-day. Its tables of tiers with and
without the cap rest on that."""

from __future__ import annotations

import pytest

from benchmarks.own_evidence import matches_published, measure, rescored
from models.tiers import FLAGGED_TIERS


@pytest.mark.slow
def test_the_replay_of_a_walk_with_the_cap_gives_its_published_scores_and_tiers(tiny_run):
    rows = rescored(tiny_run.raw, tiny_run.out)
    assert len(rows) > 0 and rows.published_tier.isin(FLAGGED_TIERS).all()
    assert matches_published(rows).all()
    result = measure(tiny_run.raw, tiny_run.out)
    assert result["matches_published"] == result["customers"]["rows"] + result["distillers"]["rows"]
