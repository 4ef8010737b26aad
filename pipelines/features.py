"""Features stage: one scan of the day's usage into account-day aggregates, then the 1- and
7-day window features of every active account (built from stored aggregates, never by
rescanning raw logs), joined with the account's campaign features.
"""

import dagster as dg

from features.aggregates import account_day, account_day_models
from features.assemble import account_features as assemble_features
from features.engine import connect
from features.windows import window_features
from pipelines.ingest import accounts, usage_logs_day
from pipelines.io import accounts_file, day_paths, days_back, history_paths, read_frame, usage_file, write_table
from pipelines.linkage import campaigns
from pipelines.partitions import DAILY, partition_day, window
from pipelines.resources import SettingsResource

GROUP = "features"


@dg.asset(group_name=GROUP, partitions_def=DAILY, deps=[usage_logs_day, accounts], kinds={"duckdb", "parquet"})
def account_day_aggregates(context: dg.AssetExecutionContext, distillguard: SettingsResource) -> dg.MaterializeResult:
    """Per account, day D's counts and sums (and requests per model, for the release pivot)."""
    settings = distillguard.get()
    day = partition_day(context)
    con = connect(settings)
    usage = con.read_parquet(usage_file(settings, day))
    aggregates = account_day(usage, con.read_parquet(accounts_file(settings))).to_pyarrow()
    write_table(aggregates, settings.warehouse_day("account_day", day))
    write_table(account_day_models(usage).to_pyarrow(), settings.warehouse_day("account_day_models", day))
    return dg.MaterializeResult(metadata={"accounts": aggregates.num_rows})


@dg.asset(
    group_name=GROUP,
    partitions_def=DAILY,
    deps=[dg.AssetDep(account_day_aggregates, partition_mapping=window(7)), campaigns, accounts],
    kinds={"duckdb", "parquet"},
)
def account_features(context: dg.AssetExecutionContext, distillguard: SettingsResource) -> dg.MaterializeResult:
    """The model's input: one row per account active on D (release pivot reads all days ≤ D)."""
    settings = distillguard.get()
    day = partition_day(context)
    con = connect(settings)
    window_table = window_features(
        con.read_parquet(day_paths(settings, "account_day", days_back(day, 7))),
        con.read_parquet(history_paths(settings, "account_day_models", day)),
        con.read_parquet(accounts_file(settings)),
        day,
    ).order_by("account_id").to_pandas()  # sorted here, cheaply, the table needs no sort in pandas
    members = read_frame(settings.warehouse_day("campaign_members", day))
    table = assemble_features(window_table, members, day)
    write_table(table, settings.warehouse_day("features", day))
    return dg.MaterializeResult(
        metadata={
            "accounts": len(table),
            "in_campaigns": int(table["campaign_id"].notna().sum()),
            "columns": len(table.columns),
        }
    )
