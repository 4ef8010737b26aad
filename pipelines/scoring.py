"""Scoring stage: day D's accounts scored by the champion as of D, with SHAP reasons, and
the day's campaigns summarized with their scores.

Tables are stored in the published shape, so the blocking score contract checks exactly
what publishing will swap in. Without a champion the stored day is removed (never zeros)
and publishing withholds the day.
"""

import shutil

import dagster as dg
import pandas as pd
import pyarrow as pa

from features.campaigns import summarize_campaigns
from models.registry import champion_as_of
from models.scoring import score_accounts
from pipelines.features import account_features
from pipelines.io import read_frame, write_table
from pipelines.linkage import campaigns
from pipelines.metadata import counts_md, histogram_md, model_links
from pipelines.model import risk_model
from pipelines.partitions import DAILY, partition_day, window
from pipelines.resources import SettingsResource
from publishing.schema import ACCOUNT_SCORES, TIERS, publication_time

GROUP = "scoring"


@dg.asset(
    group_name=GROUP,
    partitions_def=DAILY,
    # Lineage only: the registry picks the champion, usually trained within the week up to D.
    deps=[account_features, dg.AssetDep(risk_model, partition_mapping=window(7))],
    kinds={"lightgbm", "parquet"},
)
def account_scores_day(context: dg.AssetExecutionContext, distillguard: SettingsResource) -> dg.MaterializeResult:
    """Calibrated risk, tier, campaign and reasons for every account active on D."""
    settings = distillguard.get()
    day = partition_day(context)
    folder = settings.warehouse_day("scores", day)
    model = champion_as_of(day, settings)
    if model is None:
        shutil.rmtree(folder, ignore_errors=True)
        return dg.MaterializeResult(metadata={"champion": "none", "rows": 0})
    features = read_frame(settings.warehouse_day("features", day))
    scores = score_accounts(model, features).assign(
        score_date=day,
        campaign_id=features["campaign_id"].to_numpy(),
        model_name=model.name,
        model_version=model.version,
        published_at=pd.Timestamp(publication_time(day)),
    )
    write_table(pa.Table.from_pandas(scores[ACCOUNT_SCORES.names], schema=ACCOUNT_SCORES, preserve_index=False), folder)
    tiers = scores["risk_tier"].value_counts()
    return dg.MaterializeResult(metadata={
        "rows": len(scores),
        "tiers": counts_md({t: int(tiers.get(t, 0)) for t in TIERS}, "tier", "accounts"),
        "score_histogram": histogram_md(scores["risk_score"]),
        "champion": f"{model.name} v{model.version}",
        **model_links(settings.tracking_uri, model.name, model.version),
    })


@dg.asset(group_name=GROUP, partitions_def=DAILY, deps=[campaigns, account_scores_day], kinds={"parquet"})
def campaigns_day(context: dg.AssetExecutionContext, distillguard: SettingsResource) -> dg.MaterializeResult:
    """One row per campaign of D: size, flagged members, requests, score and evidence in words."""
    settings = distillguard.get()
    day = partition_day(context)
    folder = settings.warehouse_day("campaign_summary", day)
    scores_folder = settings.warehouse_day("scores", day)
    if not scores_folder.exists():
        shutil.rmtree(folder, ignore_errors=True)
        return dg.MaterializeResult(metadata={"campaigns": 0, "note": "no scores for the day"})
    summary = summarize_campaigns(
        read_frame(settings.warehouse_day("campaigns", day)), read_frame(scores_folder), day
    )
    write_table(summary, folder)
    return dg.MaterializeResult(metadata={
        "campaigns": len(summary),
        "flagged_campaigns": int((summary["n_flagged"] > 0).sum()),
        "top_campaigns": dg.MetadataValue.md(
            summary.nlargest(5, "risk_score")[["campaign_id", "n_accounts", "n_flagged", "risk_score"]]
            .to_markdown(index=False) if len(summary) else "none"
        ),
    })
