"""`benchmarks.own_evidence` replays what a walk published: the champion of the day, the
day's stored features, the same score and the same capped tier for every flagged
account-day. Its tables of tiers with and without the cap rest on that."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from benchmarks.own_evidence import matches_published, measure, rescored
from models.registry import champion_as_of
from models.scoring import score_accounts
from models.tiers import FLAGGED_TIERS
from pipelines.io import write_table
from publishing.publish import publish_day


@pytest.fixture
def published(registry, world, day, tmp_path):
    """Day 27 scored by its champion and published in a copy of the registry's output root."""
    features, labels = world
    settings = registry[0].replace(raw_root=tmp_path / "raw", out_root=tmp_path / "out")
    shutil.copytree(registry[0].out_root, settings.out_root)  # the copy reads the same model files
    rows = features[features.feature_date == day(27)]
    write_table(rows, settings.warehouse_day("features", day(27)))
    scores = score_accounts(champion_as_of(day(27), settings), rows).assign(campaign_id=None)
    empty = pd.DataFrame(columns=["campaign_id", "n_accounts", "n_flagged", "requests", "risk_score", "evidence"])
    status = publish_day(settings, day(27), scores, empty, {"model_name": "m", "model_version": "3"})
    assert status["state"] == "published", status
    (settings.raw_root / "_truth").mkdir(parents=True)
    distillers = set(labels.account_id[labels.decision == "distillation"])
    pd.DataFrame({"account_id": rows.account_id, "is_distiller": rows.account_id.isin(distillers)}
                 ).to_parquet(settings.raw_root / "_truth" / "accounts_truth.parquet")
    (settings.raw_root / "_truth" / "world.json").write_text(json.dumps({"preset": "hand-made", "seed": 3}))
    return settings, scores


def test_the_replay_gives_every_flagged_account_day_its_published_score_and_tier(published):
    settings, scores = published
    rows = rescored(settings.raw_root, settings.out_root)
    assert sorted(rows.account_id) == sorted(scores.account_id[scores.risk_tier.isin(FLAGGED_TIERS)])
    assert len(rows) > 0 and matches_published(rows).all()
    off = rows.assign(published_score=rows.published_score + 1e-6 * (rows.index == 0))
    assert list(~matches_published(off)) == [True] + [False] * (len(rows) - 1)
    result = measure(settings.raw_root, settings.out_root)
    assert result["matches_published"] == len(rows) == result["customers"]["rows"] + result["distillers"]["rows"]

