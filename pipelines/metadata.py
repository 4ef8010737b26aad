"""Small renderings of tables for the Dagster UI's metadata panel."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import dagster as dg

from pipelines.cli import MLFLOW_PORT


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
MLFLOW_UI = f"http://127.0.0.1:{MLFLOW_PORT}"


def mlflow_run_url(experiment_id: str, run_id: str) -> dg.UrlMetadataValue:
    return dg.MetadataValue.url(f"{MLFLOW_UI}/#/experiments/{experiment_id}/runs/{run_id}")


def model_version_url(name: str, version: str) -> dg.UrlMetadataValue:
    return dg.MetadataValue.url(f"{MLFLOW_UI}/#/models/{name}/versions/{version}")


def model_links(tracking_uri: str, name: str, version: str) -> dict[str, dg.UrlMetadataValue]:
    """Links to the registered version that scored a day and to the run that trained it:
    the scored day's metadata then leads to the model's plots in one click."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    run = client.get_run(client.get_model_version(name, version).run_id)
    return {"mlflow_run": mlflow_run_url(run.info.experiment_id, run.info.run_id),
            "mlflow_model": model_version_url(name, version)}
