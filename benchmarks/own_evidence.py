"""Own evidence: a finished walk's flagged account-days, re-scored, before and after the cap.

    python -m benchmarks.own_evidence --raw RAW_ROOT --out OUT_ROOT [--label NAME]

Each account-day published at verify or above is scored again by the champion that scored
it (`models.registry.champion_as_of`, SHA-256 checked) with `pred_contrib`, which splits
its margin into its own features and the campaign features. Reported against `_truth/`,
per walk: the own margin and own-to-campaign ratio of customer and distiller rows, and the
rows per tier from the score thresholds alone and with `models.tiers.cap_campaign_only`.
The cap changes only tiers and a walk is deterministic, so this is what a walk with the
cap would publish (checked on demo seed 7 against `make demo`).
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd

from benchmarks.harness import save_and_print, walk_parser
from config import load_settings
from models.registry import champion_as_of
from models.scoring import own_and_campaign_margins
from models.tiers import FLAGGED_TIERS, cap_campaign_only
from pipelines.io import read_frame


def rescored(raw_root, out_root) -> pd.DataFrame:
    """One row per flagged account-day: own and campaign margins, tiers without and with the cap."""
    settings = load_settings(raw_root=raw_root, out_root=out_root)
    rows = []
    for folder in sorted((out_root / "published" / "account_scores").glob("date=*")):
        day = dt.date.fromisoformat(folder.name.removeprefix("date="))
        published = pd.read_parquet(folder)
        flagged = published[published.risk_tier.isin(FLAGGED_TIERS)]
        if flagged.empty:
            continue
        model = champion_as_of(day, settings)
        features = read_frame(settings.warehouse_day("features", day)).set_index("account_id")
        values = features.loc[flagged.account_id, model.feature_names].to_numpy(np.float64)
        contrib = model.booster.predict(values, pred_contrib=True)
        own, campaign_margin = own_and_campaign_margins(contrib, model.feature_names)
        by_score = model.thresholds.assign(model.calibrator(contrib.sum(axis=1)))
        rows.append(pd.DataFrame({
            "day": day, "account_id": flagged.account_id.to_numpy(), "own": own,
            "campaign": campaign_margin, "score_tier": by_score,
            "capped_tier": cap_campaign_only(by_score, own, campaign_margin),
        }))
    truth = pd.read_parquet(raw_root / "_truth" / "accounts_truth.parquet",
                            columns=["account_id", "is_distiller"])
    return pd.concat(rows, ignore_index=True).merge(truth, on="account_id", how="left")


def measure(raw_root, out_root) -> dict:
    world = json.loads((raw_root / "_truth" / "world.json").read_text())
    r = rescored(raw_root, out_root).dropna(subset=["is_distiller"])
    distiller = r.is_distiller.astype(bool)
    result = {"preset": world["preset"], "seed": world["seed"], "out": str(out_root)}
    for name, rows in (("customers", r[~distiller]), ("distillers", r[distiller])):
        ratio = rows.own / rows.campaign.abs()
        result[name] = {
            "rows": len(rows),
            "own_margin": {"min": rows.own.min(), "median": rows.own.median(), "max": rows.own.max()}
            if len(rows) else None,
            "own_to_campaign": {"median": ratio.median(), "max": ratio.max()} if len(rows) else None,
            **{col: rows[col].value_counts().to_dict() for col in ("score_tier", "capped_tier")},
        }
    return result


def format_table(result: dict) -> str:
    lines = [f"{result['preset']} seed {result['seed']}: flagged account-days re-scored"]
    for name in ("customers", "distillers"):
        g = result[name]
        if not g["rows"]:
            lines.append(f"{name:<10}     0 rows")
            continue
        lines.append(f"{name:<10} {g['rows']:>5} rows  own margin median {g['own_margin']['median']:.3f} "
                     f"(max {g['own_margin']['max']:.3f}), own/campaign median "
                     f"{g['own_to_campaign']['median']:.3f} (max {g['own_to_campaign']['max']:.3f})")
        lines.append(f"           score thresholds {g['score_tier']}  ->  with the cap {g['capped_tier']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = walk_parser(__doc__).parse_args(argv)
    result = measure(args.raw, args.out)
    save_and_print("own_evidence", result, args.label, format_table(result))


if __name__ == "__main__":
    main()
