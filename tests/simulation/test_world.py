"""Determinism, hidden truth, labels a model can learn from early, presets, world.json."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest

from simulation import PRESETS, simulate
from simulation.archetypes import ARCHETYPE_NAMES

WORDS_OF_TRUTH = [*ARCHETYPE_NAMES, "hydra", "distill", "campaign", "fraud", "scraper", "abuse", "fake"]


def test_a_day_is_the_same_bytes_from_the_same_seed_alone(raw, world, tmp_path):
    again = simulate("tiny", tmp_path / "again", seed=7, days=[2], progress=False)
    assert again["counts"]["generated_days"] == [world["dates"][2]]
    day = f"usage_logs/date={world['dates'][2]}"
    files = sorted(p.name for p in (raw / day).iterdir())
    assert files == sorted(p.name for p in (tmp_path / "again" / day).iterdir())
    for name in [*(f"{day}/{f}" for f in files), "accounts/accounts.parquet",
                 "enforcement_labels/labels.parquet", "_truth/accounts_truth.parquet"]:
        assert (raw / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name

    other = simulate("tiny", tmp_path / "other", seed=8, days=[2], progress=False)
    assert other["counts"]["rows_per_day"] != again["counts"]["rows_per_day"]
    accounts = "accounts/accounts.parquet"
    assert (raw / accounts).read_bytes() != (tmp_path / "other" / accounts).read_bytes()


def test_unknown_presets_and_days_outside_the_preset_are_refused(tmp_path):
    with pytest.raises(ValueError, match="tiny"):
        simulate("huge", tmp_path, progress=False)
    with pytest.raises(ValueError):
        simulate("tiny", tmp_path, days=[PRESETS["tiny"].n_days], progress=False)


def test_nothing_outside_truth_reveals_it(raw, logs, accounts, labels, truth):
    assert accounts["account_id"].str.fullmatch(r"acct_[0-9a-f]{16}").all()
    assert logs["api_key_id"].str.fullmatch(r"key_[0-9a-f]{16}").all()
    assert logs["request_id"].str.fullmatch(r"req_[0-9a-f]{24}").all()
    assert labels["case_id"].str.fullmatch(r"case_[0-9a-f]{12}").all()
    assert accounts["org_id"].dropna().str.fullmatch(r"org_[0-9a-f]{12}").all()
    texts = set()
    for frame in (logs, accounts, labels.drop(columns="decision")):  # a verdict may say "distillation"
        for col in frame.select_dtypes(include="object"):
            texts |= set(frame[col].dropna().unique())
    texts |= {str(p.relative_to(raw)) for p in raw.rglob("*") if "_truth" not in p.parts}
    blob = "\n".join(texts).lower()
    for word in WORDS_OF_TRUTH:
        assert word.lower() not in blob, word
    # Row order says nothing either: distillers do not sit next to each other in the file.
    bad = truth["is_distiller"].reindex(accounts["account_id"]).to_numpy()
    neighbours = (bad[1:] & bad[:-1]).sum()
    assert neighbours < 1.5 * bad.mean() ** 2 * len(bad)


def test_labels_are_partial_late_noisy_and_early_enough(labels, truth, world):
    labelled = labels.join(truth, on="account_id")
    distillers = truth["is_distiller"].sum()
    assert labelled.loc[labelled["is_distiller"], "account_id"].nunique() < 0.5 * distillers  # partial
    delay = labelled["decided_at"] - labelled["opened_at"]
    assert delay.median() >= pd.Timedelta(days=2) and delay.max() >= pd.Timedelta(days=10)  # late
    wrong = labelled["is_distiller"] != (labelled["decision"] == "distillation")
    assert 0 < wrong.mean() < 0.15  # a few wrong
    assert (labelled.loc[~labelled["is_distiller"], "decision"] == "benign").sum() >= 5  # legit cleared
    by_third_day = labelled[labelled["decided_at"] < pd.Timestamp(world["dates"][3], tz="UTC")]
    assert (by_third_day["decision"] == "distillation").sum() >= 20
    assert (by_third_day["decision"] == "benign").sum() >= 1
    assert (labelled["decided_at"] >= pd.Timestamp(world["dates"][3], tz="UTC")).any()  # verdicts keep coming


def test_world_json_describes_the_world(world, world_json, accounts, truth, raw):
    assert world_json == world
    assert world["dates"][0] == world["first_day"] and world["dates"][-1] == world["last_day"]
    assert 0 < world["release"]["day_index"] < len(world["dates"]) - 1
    assert world["release"]["date"] == world["dates"][world["release"]["day_index"]]
    assert world["counts"]["accounts"] == len(accounts) == len(truth)
    assert world["counts"]["distillers"] == truth["is_distiller"].sum()
    assert set(world["counts"]["archetypes"]) == set(truth["archetype"])
    for date, rows in world["counts"]["rows_per_day"].items():
        assert pq.ParquetDataset(raw / "usage_logs" / f"date={date}").read().num_rows == rows
    starts = [c["start_day"] for c in world["campaigns"]]
    assert min(starts) < 0 < max(starts)  # running before the window, and starting within it
    assert set(truth["campaign_id"].dropna()) == {c["campaign_id"] for c in world["campaigns"]}


def test_presets_have_the_reported_scale():
    def distillers(preset):
        return sum(g.size for g in preset.groups if g.archetype in
                   ("hydra", "low_and_slow", "program_abuse", "bulk_scraper", "reseller"))

    tiny, demo, incident = PRESETS["tiny"], PRESETS["demo"], PRESETS["incident"]
    assert 2000 <= tiny.n_accounts <= 3000 and 7 <= tiny.n_days <= 10
    assert demo.n_accounts == 20_000 and demo.n_days == 21
    assert incident.n_accounts == 250_000 and incident.n_days == 45
    assert 22_000 <= distillers(incident) <= 28_000
    for preset in PRESETS.values():
        assert 0 < preset.release_day < preset.n_days - 1
