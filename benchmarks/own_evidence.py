"""Own evidence: a finished walk's flagged account-days, re-scored, before and after the cap.

    python -m benchmarks.own_evidence --raw RAW_ROOT --out OUT_ROOT [--label NAME]

Each account-day published at verify or above is scored again by the champion that scored
it (`models.registry.champion_as_of`, SHA-256 checked) with `pred_contrib`, which splits
its margin into its own features and the campaign features. Reported against `_truth/`,
per walk: the own margin and own-to-campaign ratio of customer and distiller rows, and the
rows per tier from the score thresholds alone and with `models.tiers.cap_campaign_only`.
The cap changes only tiers and a walk is deterministic, so this is what a walk with the
cap would publish. On a walk that ran with the cap, the re-scored score and capped tier
must equal the published ones: `matches_published` counts the rows where they do (a
walk from before the cap differs exactly where the cap bites).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from benchmarks.harness import save_and_print, walk_parser
from config import load_settings
from evaluation.report import published_scores
from models.registry import champion_as_of
from models.scoring import margins
from models.tiers import FLAGGED_TIERS
from pipelines.io import read_frame


COLUMNS = ["day", "account_id", "own", "campaign", "score", "score_tier", "capped_tier",
           "published_score", "published_tier"]


def rescored(raw_root, out_root) -> pd.DataFrame:
    """One row per flagged account-day: own and campaign margins, tiers without and with the cap."""
    settings = load_settings(raw_root=raw_root, out_root=out_root)
    rows = []
    scores = published_scores(settings.published / "account_scores")
    for day, flagged in scores[scores.risk_tier.isin(FLAGGED_TIERS)].groupby("score_date"):
        model = champion_as_of(day, settings)
        features = read_frame(settings.warehouse_day("features", day)).set_index("account_id")
        values = features.loc[flagged.account_id, model.feature_names].to_numpy(np.float64)
        m = margins(model, values)
        rows.append(pd.DataFrame(dict(zip(COLUMNS, (
            day, flagged.account_id.to_numpy(), m.own, m.campaign, m.score, m.score_tier, m.tier,
            flagged.risk_score.to_numpy(), flagged.risk_tier.to_numpy())))))
    truth = pd.read_parquet(raw_root / "_truth" / "accounts_truth.parquet",
                            columns=["account_id", "is_distiller"])
    if not rows:  # a walk may flag nobody (demo seed 17)
        return pd.DataFrame(columns=[*COLUMNS, "is_distiller"])
    return pd.concat(rows, ignore_index=True).merge(truth, on="account_id", how="left")


def matches_published(rescored_rows: pd.DataFrame) -> pd.Series:
    """Rows whose re-scored score and capped tier are the published ones."""
    r = rescored_rows
    close = np.isclose(r.score.to_numpy(float), r.published_score.to_numpy(float), rtol=0, atol=1e-9)
    return close & (r.capped_tier == r.published_tier)


def measure(raw_root, out_root) -> dict:
    world = json.loads((raw_root / "_truth" / "world.json").read_text())
    r = rescored(raw_root, out_root).dropna(subset=["is_distiller"])
    distiller = r.is_distiller.astype(bool)
    result = {"preset": world["preset"], "seed": world["seed"], "out": str(out_root),
              "matches_published": int(matches_published(r).sum())}
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
