"""Small renderings of tables for the Dagster UI's metadata panel."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import dagster as dg


def counts_md(counts: Mapping[str, object], key: str = "reason", value: str = "rows") -> dg.MarkdownMetadataValue:
    """A two-column table; integers get thousands separators."""
    lines = [f"| {key} | {value} |", "| --- | ---: |"]
    lines += [f"| {k} | {v:,} |" if isinstance(v, int) else f"| {k} | {v} |" for k, v in counts.items()]
    lines += [] if counts else ["| (none) | 0 |"]
    return dg.MetadataValue.md("\n".join(lines))


def histogram_md(scores: pd.Series, bins: int = 10) -> dg.MarkdownMetadataValue:
    """Score histogram on fixed [0, 1] bins, as a table with a bar per bin."""
    counts, edges = np.histogram(scores.to_numpy(dtype=float), bins=bins, range=(0.0, 1.0))
    top = max(int(counts.max()), 1) if len(counts) else 1
    lines = ["| score | accounts | |", "| --- | ---: | --- |"]
    for n, lo, hi in zip(counts, edges[:-1], edges[1:]):
        lines.append(f"| {lo:.1f}–{hi:.1f} | {int(n):,} | {'█' * round(20 * n / top)} |")
    return dg.MetadataValue.md("\n".join(lines))


# Where `distillguard ui` serves MLflow; links in asset metadata point there.
MLFLOW_UI = "http://127.0.0.1:5000"


def mlflow_run_url(experiment_id: str, run_id: str) -> dg.UrlMetadataValue:
    return dg.MetadataValue.url(f"{MLFLOW_UI}/#/experiments/{experiment_id}/runs/{run_id}")


def model_version_url(name: str, version: str) -> dg.UrlMetadataValue:
    return dg.MetadataValue.url(f"{MLFLOW_UI}/#/models/{name}/versions/{version}")
