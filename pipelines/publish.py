"""Publish stage: day D published whole for enforcement, or withheld with its reason; then
the DuckDB mirror and the day's HTML report are refreshed.

A failed blocking check stops the run before this asset; `sensors.withhold_failed_days`
(and `distillguard run`) then withhold the day, so every tried day has a `_status`.
"""

import dagster as dg

from pipelines.io import read_frame
from pipelines.model import no_champion_reason
from pipelines.outcome import day_status
from pipelines.partitions import DAILY, partition_day
from pipelines.resources import SettingsResource
from pipelines.scoring import account_scores_day, campaigns_day
from publishing.mirror import refresh_mirror
from publishing.publish import publish_day, withhold_day
from publishing.report import render_report

GROUP = "publish"


@dg.asset(group_name=GROUP, partitions_def=DAILY, deps=[account_scores_day, campaigns_day], kinds={"parquet", "duckdb", "html"})
def published_day(context: dg.AssetExecutionContext, distillguard: SettingsResource) -> dg.MaterializeResult:
    """outputs.md's tables and `_status` for D, the enforcement mirror, and the HTML report."""
    settings = distillguard.get()
    day = partition_day(context)
    status = day_status(settings, day, context.instance, context.run_id)
    scores_folder = settings.warehouse_day("scores", day)
    if scores_folder.exists():
        scores = read_frame(scores_folder)
        status |= {"model_name": scores["model_name"].iat[0] if len(scores) else settings.registered_model_name,
                   "model_version": scores["model_version"].iat[0] if len(scores) else "none"}
        final = publish_day(settings, day, scores, read_frame(settings.warehouse_day("campaign_summary", day)), status)
    else:
        final = withhold_day(settings, day, no_champion_reason(settings, day), status)
    refresh_mirror(settings)
    report = render_report(settings, day)
    return dg.MaterializeResult(metadata={
        "state": final["state"],
        "reason": final.get("reason") or "",
        "account_rows": final["rows"]["account_scores"],
        "campaign_rows": final["rows"]["campaigns"],
        "report": dg.MetadataValue.path(str(report)),
        "status_file": dg.MetadataValue.path(str(settings.published / "_status" / f"date={day.isoformat()}.json")),
    })
