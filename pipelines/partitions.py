"""The one daily partitioning every daily asset shares.

A time-window definition (not dynamic partitions) so that lineage can say "the 7 days up to
D" and the schedule can ask for "yesterday". Its start must be fixed when the definitions are
imported, before any world is read, so it is a fixed date early enough for the simulated
presets (2026-02 onwards); `distillguard run` refuses days outside the partitions with a clear
message.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg

DEFAULT_START = "2026-01-01"


def daily_partitions(start: str = DEFAULT_START) -> dg.DailyPartitionsDefinition:
    # The last partition is yesterday: a day is processed once it is over.
    return dg.DailyPartitionsDefinition(start_date=start, timezone="UTC")


DAILY = daily_partitions()


def window(days: int, *, end: int = 0) -> dg.TimeWindowPartitionMapping:
    """Upstream days D-days+1+end … D+end of a daily asset."""
    return dg.TimeWindowPartitionMapping(start_offset=end - days + 1, end_offset=end)


def partition_day(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> dt.date:
    return dt.date.fromisoformat(context.partition_key)
