"""Linkage stage: the keys accounts share on day D, and the campaigns they form.

A campaign keeps its id from day to day by largest overlap with D-1's members, hence the
dependency of `campaigns` on its own previous partition.
"""

import datetime as dt

import dagster as dg

from features.campaigns import build_campaigns, coded_frame
from features.engine import connect
from features.linkage import linkage_keys, usage_day_stats
from pipelines.ingest import accounts, labels, usage_logs_day
from pipelines.io import PART, accounts_file, read_frame, usage_file, write_table
from pipelines.metadata import counts_md
from pipelines.partitions import DAILY, partition_day, window
from pipelines.resources import SettingsResource

GROUP = "linkage"


@dg.asset(group_name=GROUP, partitions_def=DAILY, deps=[usage_logs_day, accounts], kinds={"duckdb", "parquet"})
def linkage_keys_day(context: dg.AssetExecutionContext, distillguard: SettingsResource) -> dg.MaterializeResult:
    """(account_id, key_kind, key) pairs of day D: payment, ranges, templates, timing …"""
    settings = distillguard.get()
    day = partition_day(context)
    con = connect(settings)
    keys = linkage_keys(
        con.read_parquet(usage_file(settings, day)),
        con.read_parquet(accounts_file(settings)),
        day,
    ).to_pyarrow()
    write_table(keys, settings.warehouse_day("linkage_keys", day))
    kinds = keys.column("key_kind").value_counts().to_pylist()
    return dg.MaterializeResult(
        metadata={"pairs": keys.num_rows, "by_kind": counts_md({k["values"]: k["counts"] for k in kinds}, "key kind", "pairs")}
    )


@dg.asset(
    group_name=GROUP,
    partitions_def=DAILY,
    deps=[
        linkage_keys_day,
        usage_logs_day,
        labels,
        dg.AssetDep("campaigns", partition_mapping=window(1, end=-1)),
    ],
    kinds={"parquet"},
)
def campaigns(context: dg.AssetExecutionContext, distillguard: SettingsResource) -> dg.MaterializeResult:
    """Connected groups of linked accounts on D, their evidence, and per-member campaign features."""
    settings = distillguard.get()
    day = partition_day(context)
    previous = settings.warehouse_day("campaign_members", day - dt.timedelta(days=1))
    con = connect(settings)
    keys = con.read_parquet(settings.warehouse_day("linkage_keys", day) / PART)
    usage = con.read_parquet(usage_file(settings, day))
    result = build_campaigns(
        coded_frame(keys.to_pyarrow()),
        coded_frame(usage_day_stats(usage).to_pyarrow()),
        read_frame(settings.warehouse / "labels"),
        read_frame(previous) if (previous / PART).exists() else None,
        day,
        narrow_accounts=settings.linkage.narrow_accounts,
        min_lift=settings.linkage.min_lift,
        min_co_holders=settings.linkage.min_co_holders,
        attach_kinds=settings.linkage.attach_kinds,
        trace_share=settings.linkage.trace_share,
    )
    write_table(result.members, settings.warehouse_day("campaign_members", day))
    write_table(result.campaigns, settings.warehouse_day("campaigns", day))
    sizes = result.campaigns["n_accounts"] if len(result.campaigns) else []
    return dg.MaterializeResult(
        metadata={
            "campaigns": len(result.campaigns),
            "accounts_in_campaigns": int(sum(sizes)),
            "largest_campaign": int(max(sizes, default=0)),
        }
    )
