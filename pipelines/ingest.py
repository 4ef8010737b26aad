"""Ingest stage: the day's usage logs (clean + quarantine), the accounts and labels snapshots.

The last place an address is seen in clear is `features.ingest`; everything written here is
pseudonymized. A batch-level breach does not raise: the rows are kept and the blocking
contract check (`checks.py`) stops the day with the breach named, so the UI shows why.
"""

import datetime as dt
import shutil

import dagster as dg

from config import Settings
from features.ingest import ingest_accounts, ingest_day, ingest_labels
from pipelines.io import ingest_summary_path, read_table, write_json, write_table
from pipelines.metadata import counts_md
from pipelines.partitions import DAILY, partition_day
from pipelines.resources import SettingsResource

GROUP = "ingest"


@dg.asset(group_name=GROUP, kinds={"parquet"})
def accounts(distillguard: SettingsResource) -> dg.MaterializeResult:
    """Pseudonymized accounts snapshot; rejected rows beside it with a reason."""
    settings = distillguard.get()
    clean, quarantine = ingest_accounts(settings.raw_root, settings)
    folder = settings.warehouse / "accounts"
    write_table(clean, folder)
    write_table(quarantine, folder.with_name("accounts_quarantine"))
    return dg.MaterializeResult(
        metadata={"rows": clean.num_rows, "quarantined": quarantine.num_rows, "path": str(folder)}
    )


@dg.asset(group_name=GROUP, kinds={"parquet"}, deps=[accounts])
def labels(distillguard: SettingsResource) -> dg.MaterializeResult:
    """Validated enforcement verdicts; consumers keep only those decided by their day."""
    settings = distillguard.get()
    known = read_table(settings.warehouse / "accounts", ["account_id"]).column("account_id")
    clean, quarantine = ingest_labels(settings.raw_root, known)
    folder = settings.warehouse / "labels"
    write_table(clean, folder)
    write_table(quarantine, folder.with_name("labels_quarantine"))
    decisions = clean.column("decision").value_counts().to_pylist()
    return dg.MaterializeResult(
        metadata={
            "rows": clean.num_rows,
            "quarantined": quarantine.num_rows,
            "decisions": counts_md({d["values"]: d["counts"] for d in decisions}, "decision", "cases"),
        }
    )


@dg.asset(group_name=GROUP, partitions_def=DAILY, deps=[accounts], kinds={"parquet"})
def usage_logs_day(context: dg.AssetExecutionContext, distillguard: SettingsResource) -> dg.MaterializeResult:
    """Day D's requests that passed every row rule (billed to an account of the clean
    accounts snapshot among them); the rest quarantined with a reason code."""
    settings = distillguard.get()
    day = partition_day(context)
    known = read_table(settings.warehouse / "accounts", ["account_id"]).column("account_id")
    result = ingest_day(settings.raw_root, day, settings, known)
    write_table(result.clean, settings.warehouse_day("usage", day))
    write_table(result.quarantine, settings.warehouse_day("quarantine", day))
    if not result.ok:
        forget_derived_tables(settings, day)
    write_json({"ok": result.ok, "summary": result.summary(), "counts": result.counts},
               ingest_summary_path(settings, day))
    return dg.MaterializeResult(
        metadata={
            "rows_kept": result.clean.num_rows,
            "rows_quarantined": result.quarantine.num_rows,
            "quarantine_by_reason": counts_md(result.counts.get("by_reason", {})),
            "batch_breaches": dg.MetadataValue.md(
                "\n".join(f"- `{b.code}` {b.message}" for b in result.breaches) or "none"
            ),
            "files": result.counts.get("files", 0),
        }
    )


def forget_derived_tables(settings: Settings, day: dt.date) -> None:
    """Remove what an earlier run derived from day D once D fails ingest: later days (7-day
    windows, campaign ids, training) must then read what a fresh run gives them, nothing,
    not the day as its logs used to be."""
    for folder in settings.warehouse.glob(f"*/date={day.isoformat()}"):
        if folder.parent.name not in ("usage", "quarantine"):
            shutil.rmtree(folder)
