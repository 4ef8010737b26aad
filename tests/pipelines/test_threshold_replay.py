"""`benchmarks.threshold_replay` re-tiers a walk as the current code tiers it: unchanged
settings give back every published score and tier; a changed rule moves them."""

from __future__ import annotations

import pytest

from benchmarks.threshold_replay import measure, retiered
from evaluation.report import published_scores


@pytest.mark.slow
def test_unchanged_settings_give_back_the_published_tiers_and_a_changed_rule_moves_them(first_published_day):
    settings, day = first_published_day
    published = published_scores(settings.published / "account_scores").set_index("account_id")
    replayed = retiered(settings).set_index("account_id")
    assert set(replayed.score_date) == {day}
    assert sorted(replayed.index) == sorted(published.index)
    assert (replayed.risk_tier == published.risk_tier.reindex(replayed.index)).all()
    assert (replayed.risk_score - published.risk_score.reindex(replayed.index)).abs().max() < 1e-9
    # A tenth of the slice at monitor instead of a hundredth: the replay chooses thresholds again.
    wider = measure(settings.raw_root, settings.out_root, ["tiers.monitor_capacity=0.1"])
    assert wider["precision_by_tier"]["monitor"]["account_days"] > (published.risk_tier == "monitor").sum()
