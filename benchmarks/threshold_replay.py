"""Threshold replay: a finished walk re-tiered as the current code tiers it, without walking again.

    python -m benchmarks.threshold_replay --raw RAW_ROOT --out OUT_ROOT [--label NAME]
                                          [--set model.verify_counts_convictions=false ...]

Tiers do not feed back into a walk: the gate promotes on PR-AUC and recall
(`models.registry.promote_if_better`), scores come from the booster and calibrator, and
verdicts from the platform. So each published day keeps its champion, features and scores;
only the champion's thresholds are chosen again (`models.train.tier_thresholds` on its
stored validation slice) and the day's rows re-tiered (`models.scoring.margins`, the cap
included). The detection report (`evaluation.report.evaluate`) then reads the re-tiered
scores. Unchanged code and settings give back the walk's published tiers (tested), so a
change to the tier rules is judged on many stored walks in minutes, not hours.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from mlflow import MlflowClient

from benchmarks.harness import config_file, save_and_print, walk_parser
from config import load_settings
from evaluation.report import evaluate, format_report, published_scores
from models.registry import champion_as_of
from models.scoring import margins
from models.train import tier_thresholds
from pipelines.io import read_frame
from pipelines.model import load_training_set


def retiered(settings) -> pd.DataFrame:
    """Every published day's account scores, tiered by its champion under `settings`' rules."""
    client, thresholds, days = MlflowClient(settings.tracking_uri), {}, []
    for day in sorted(set(published_scores(settings.published / "account_scores").score_date)):
        model = champion_as_of(day, settings)
        if model.version not in thresholds:
            cutoff = client.get_model_version(settings.registered_model_name, model.version).tags["cutoff"]
            training_set = load_training_set(settings, dt.date.fromisoformat(cutoff))
            valid = training_set.validation
            margin = model.booster.predict(training_set.matrix(valid), raw_score=True, num_threads=model.threads)
            thresholds[model.version] = tier_thresholds(training_set, model.calibrator(margin), settings)
        features = read_frame(settings.warehouse_day("features", day))
        m = margins(dataclasses.replace(model, thresholds=thresholds[model.version]),
                    features[model.feature_names].to_numpy(np.float64))
        days.append(pd.DataFrame({"score_date": day, "account_id": features["account_id"].to_numpy(),
                                  "risk_score": m.score, "risk_tier": m.tier.astype(str)}))
    return pd.concat(days, ignore_index=True)


def measure(raw_root: Path, out_root: Path, overrides: list[str] = ()) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        file = config_file(list(overrides), Path(folder))
        settings = load_settings(file=file, raw_root=raw_root, out_root=out_root)
    report = evaluate(raw_root, out_root, scores=retiered(settings))
    report["replay"] = {"out": str(out_root), "overrides": list(overrides)}
    return report


def main(argv: list[str] | None = None) -> None:
    parser = walk_parser(__doc__)
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="SECTION.FIELD=VALUE")
    args = parser.parse_args(argv)
    report = measure(args.raw, args.out, args.overrides)
    save_and_print("threshold_replay", {"preset": report["world"]["preset"], "seed": report["world"]["seed"],
                                        **report}, args.label, format_report(report))


if __name__ == "__main__":
    main()
