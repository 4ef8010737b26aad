"""The daily HTML report: one self-contained file per day for people who would rather look.

Numbers come only from what was published (the status file and the pair of files it
names), so the report shows exactly what enforcement saw. The campaign pictures add the
day's linkage keys from the warehouse (pseudonymized: key kinds are shown, never a key).

A daily step must be cheap, so matplotlib draws only the histogram and one graph per
campaign (object API, fixed margins: `bbox_inches="tight"` would draw each figure twice);
the waterfalls are HTML bars. The waterfalls show the published reasons: the strongest
SHAP contributions only, without the base value, so they start from 0.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from config.settings import Settings
from features.campaigns import DEFAULT_RULES
from publishing.layout import write_atomic
from publishing.schema import FLAGGED_TIERS, TIERS
from publishing.status import PUBLISHED, read_status

TOP_CAMPAIGNS = 5
TOP_ACCOUNTS = 10
MAX_DRAWN_MEMBERS = 30
LABELLED_EDGES = 12  # up to this many links carry their key kind as text, beyond it colour only
DPI = 80
TIER_COLOURS = dict(zip(TIERS, ("#b0b0b0", "#f2c744", "#f08c2e", "#d9480f", "#a4161a")))
KIND_COLOURS = dict(zip(DEFAULT_RULES, ("#a4161a", "#e8590c", "#1c7ed6", "#15aabf", "#7048e8",
                                        "#2f9e44", "#868e96")))
TIER_MEANING = {
    "none": "no action",
    "monitor": "watched (top share of the day, no action)",
    "verify": "asked to verify identity",
    "throttle": "rate-limited",
    "suspend_review": "suspended pending human review",
}
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1050px;margin:2em auto;
 padding:0 1em;color:#222;line-height:1.45}
h1{border-bottom:3px solid #222;padding-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ccc}
h3{margin-bottom:.3em}.muted{color:#666;font-size:.9em}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:4px 10px;text-align:left;
 border-bottom:1px solid #e3e3e3}th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
.swatch{display:inline-block;width:.9em;height:.9em;border-radius:50%;margin-right:.4em;vertical-align:-.1em}
.legend{background:#f8f9fa;border:1px solid #e3e3e3;padding:.6em 1em;font-size:.9em}
.legend span{margin-right:1.2em;white-space:nowrap}
.withheld{background:#fde2e1;padding:1em;border:1px solid #a4161a}img{max-width:100%}
.bar{position:relative;width:320px;height:14px;background:#f3f3f3}
.bar i{position:absolute;top:0;height:14px}.bar b{position:absolute;top:-2px;height:18px;border-left:1px solid #555}
"""


def render_report(settings: Settings, day: dt.date) -> Path:
    """Write `reports/date=D.html` for day D (published, withheld or never tried); return its path."""
    status = read_status(settings, day)
    if status is not None and status["state"] == PUBLISHED:
        scores, campaigns = (pq.read_table(settings.published / status["files"][name]).to_pandas()
                             for name in ("account_scores", "campaigns"))
        body = _published_body(settings, day, status, scores, campaigns)
    else:
        why = "the pipeline has not tried this day" if status is None else f"withheld: {status['reason']}"
        body = (f'<p class="withheld"><b>No scores for {day}</b> — {html.escape(why)}. '
                "This is not “nobody is risky”: enforcement has nothing to act on for this day.</p>")
    page = (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>distillguard {day}</title><style>{STYLE}</style></head>"
            f"<body><h1>distillguard daily report — {day}</h1>{body}</body></html>")
    path = settings.reports / f"date={day.isoformat()}.html"
    settings.reports.mkdir(parents=True, exist_ok=True)
    write_atomic(path, page.encode(), settings.reports)
    return path


def _published_body(settings: Settings, day: dt.date, status: dict, scores: pd.DataFrame,
                    campaigns: pd.DataFrame) -> str:
    counts = scores["risk_tier"].value_counts()
    flagged = scores[scores["risk_tier"].isin(FLAGGED_TIERS)]
    checks = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{'passed' if result.get('success') else '<b>not passed</b>'}</td>"
        f"<td>{html.escape(str(result.get('summary', '')))}</td></tr>"
        for name, result in sorted(status.get("checks", {}).items()))
    tiers = "".join(
        f"<tr><td>{_swatch(t)}{t}</td><td>{TIER_MEANING[t]}</td><td class=n>{int(counts.get(t, 0)):,}</td>"
        f"<td class=n>{counts.get(t, 0) / max(len(scores), 1):.1%}</td></tr>" for t in TIERS)
    parts = [
        f"<p>Scored by model <b>{html.escape(str(status['model_name']))} version "
        f"{html.escape(str(status['model_version']))}</b>: {len(scores):,} active accounts, "
        f"<b>{len(flagged):,} at verify or above</b>, {len(campaigns):,} campaigns (linked groups).</p>",
        '<p class="legend"><b>Tiers</b> (colour of every dot and row): '
        + "".join(f"<span>{_swatch(t)}{t}</span>" for t in TIERS)
        + "<br>Enforcement acts from <i>verify</i> up. Scores are calibrated probabilities of distillation.</p>",
        "<h2>Accounts per tier</h2><table><tr><th>tier</th><th>meaning</th><th>accounts</th><th>share</th></tr>"
        f"{tiers}</table>",
        "<h2>Checks</h2><p class=muted>Contracts block a day when they fail (this one was published, so "
        "they passed); drift checks only warn: a shift is news, not a defect.</p>"
        f"<table><tr><th>check</th><th>result</th><th>detail</th></tr>{checks}</table>",
        "<h2>Score distribution</h2><p class=muted>Accounts per score bin, log scale: the riskiest "
        f"accounts are few.</p>{_img(_histogram(scores))}",
        "<h2>Top campaigns</h2>",
    ]
    top = campaigns.sort_values(["risk_score", "campaign_id"], ascending=[False, True]).head(TOP_CAMPAIGNS)
    linkage = _linkage(settings, day, scores, top["campaign_id"].tolist())
    parts.append(
        "<p class=muted>Campaign score: the 0.9 quantile of its members' scores. Picture: the riskiest "
        f"{MAX_DRAWN_MEMBERS} members at most, coloured by tier; a line joins two members who share a "
        "trace (a line of evidence), in the colour of its kind (of the first in the legend when they share "
        "several).</p>" if linkage is not None else
        "<p class=muted>The warehouse no longer holds this day's linkage keys, so each picture shows "
        "the campaign's members around it, without the links between them.</p>")
    if top.empty:
        parts.append("<p>No campaign today.</p>")
    for campaign in top.itertuples():
        members = scores[scores["campaign_id"] == campaign.campaign_id]
        evidence = "".join(f"<li>{html.escape(e)}</li>" for e in campaign.evidence)
        if linkage is None:
            picture, caption = _star(members), ""
        else:
            picture, caption = _graph(members, linkage.get(campaign.campaign_id, NO_LINKS))
        parts.append(
            f"<h3>{html.escape(campaign.campaign_id)} — score {campaign.risk_score:.2f}</h3>"
            f"<p>{campaign.n_accounts:,} accounts, {campaign.n_flagged:,} at verify or above, "
            f"{campaign.requests:,} requests on the day. Evidence:</p><ul>{evidence}</ul>"
            f"{_img(picture)}<p class=muted>{caption}</p>")
    parts.append("<h2>Top accounts</h2>")
    top_accounts = flagged.sort_values(["risk_score", "account_id"], ascending=[False, True]).head(TOP_ACCOUNTS)
    if top_accounts.empty:
        parts.append("<p>No account at verify or above today.</p>")
    else:
        parts.append(
            "<p class=muted>The riskiest accounts at verify or above. Each reason pushes the score "
            "towards risk (red) or away from it (blue), in the model's log-odds (SHAP); each bar starts "
            "where the previous one ended, strongest reasons only.</p><table><tr><th>account</th>"
            "<th>tier</th><th>score</th><th>campaign</th></tr>"
            + "".join(f"<tr><td><a href=\"#{_anchor(a.account_id)}\">{html.escape(a.account_id)}</a></td>"
                      f"<td>{_swatch(a.risk_tier)}{a.risk_tier}</td><td class=n>{a.risk_score:.3f}</td>"
                      f"<td>{html.escape(a.campaign_id or '—')}</td></tr>" for a in top_accounts.itertuples())
            + "</table>")
    for account in top_accounts.itertuples():
        parts.append(f"<h3 id=\"{_anchor(account.account_id)}\">{_swatch(account.risk_tier)}"
                     f"{html.escape(account.account_id)} — {account.risk_tier}, score {account.risk_score:.3f}"
                     f"</h3>{_waterfall(list(account.reasons))}")
    return "".join(parts)


def _swatch(tier: str) -> str:
    return f'<span class="swatch" style="background:{TIER_COLOURS.get(tier, "#000")}"></span>'


def _anchor(account_id: str) -> str:
    return "acct-" + "".join(c if c.isalnum() or c in "-_" else "_" for c in account_id)


def _img(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return f'<img alt="" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def _histogram(scores: pd.DataFrame) -> Figure:
    figure = Figure(figsize=(10, 2.8))
    figure.subplots_adjust(left=0.07, right=0.99, bottom=0.2, top=0.95)
    axes = figure.subplots()
    axes.hist(scores["risk_score"], bins=50, range=(0, 1), color="#4c6ef5", log=True)
    axes.set(xlabel="risk score", ylabel="accounts", xlim=(0, 1))
    axes.spines[["top", "right"]].set_visible(False)
    return figure


NO_LINKS = pd.DataFrame(columns=["a", "b", "kind"])


def _linkage(settings: Settings, day: dt.date, scores: pd.DataFrame,
             campaign_ids: list[str]) -> dict[str, pd.DataFrame] | None:
    """Per campaign, the links among its drawn members: one row (a, b, kind) per pair and
    kind of trace they share, counted like `features.campaigns` counts a line of evidence
    (e.g. one synchronized minute is chance, three are evidence). These are the traces the
    evidence sentences count; the links the campaign rules accepted are not stored.
    None when the warehouse lacks the day's keys."""
    folder = settings.warehouse_day("linkage_keys", day)
    if not folder.exists():
        return None
    drawn = (scores[scores["campaign_id"].isin(campaign_ids)]
             .sort_values(["risk_score", "account_id"], ascending=[False, True])
             .groupby("campaign_id").head(MAX_DRAWN_MEMBERS)[["account_id", "campaign_id"]])
    if drawn.empty:
        return {}
    keys = pq.read_table(folder, columns=["account_id", "key_kind", "key"],
                         filters=[("account_id", "in", drawn["account_id"].tolist())]).to_pandas()
    keys = keys.merge(drawn, on="account_id")
    pairs = keys.merge(keys, on=["campaign_id", "key_kind", "key"], suffixes=("_a", "_b"))
    pairs = pairs[pairs["account_id_a"] < pairs["account_id_b"]]
    shared = pairs.groupby(["campaign_id", "account_id_a", "account_id_b", "key_kind"]).size().reset_index(name="n")
    needed = shared["key_kind"].map({k: r.counts_at for k, r in DEFAULT_RULES.items()})
    links = shared[shared["n"] >= needed].rename(columns={"account_id_a": "a", "account_id_b": "b", "key_kind": "kind"})
    return {cid: group[["a", "b", "kind"]] for cid, group in links.groupby("campaign_id")}


def _graph(members: pd.DataFrame, links: pd.DataFrame) -> tuple[Figure, str]:
    """The campaign's riskiest members (dots coloured by tier) and the traces they share
    (lines coloured, and when few also labelled, by key kind); returns the figure and a caption."""
    drawn = members.sort_values(["risk_score", "account_id"], ascending=[False, True]).head(MAX_DRAWN_MEMBERS)
    index = {a: i for i, a in enumerate(drawn["account_id"])}
    # One line per linked pair, in the colour of its strongest kind (order of the rules).
    order = {k: i for i, k in enumerate(DEFAULT_RULES)}
    pairs = links.assign(rank=links["kind"].map(order)).sort_values("rank").drop_duplicates(["a", "b"])
    ends = np.array([(index[a], index[b]) for a, b in zip(pairs["a"], pairs["b"])], dtype=int).reshape(-1, 2)
    position = _layout(len(drawn), ends)
    figure = Figure(figsize=(6.5, 4.2 if len(drawn) > 4 else 2.6))
    axes = figure.add_axes((0, 0, 1, 1))
    axes.add_collection(LineCollection(position[ends], colors=[KIND_COLOURS[k] for k in pairs["kind"]],
                                       linewidths=1.2, alpha=0.7, zorder=1))
    if len(pairs) <= LABELLED_EDGES:
        for (i, j), kind in zip(ends, pairs["kind"]):
            x, y = (position[i] + position[j]) / 2
            axes.text(x, y, kind, fontsize=7, ha="center", va="center", color=KIND_COLOURS[kind],
                      bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})
    axes.scatter(*position.T, s=70, c=[TIER_COLOURS.get(t, "#000") for t in drawn["risk_tier"]],
                 edgecolors="#333", linewidths=0.5, zorder=2)
    kinds = [k for k in DEFAULT_RULES if k in set(links["kind"])]
    if kinds:
        axes.legend(handles=[Line2D([], [], color=KIND_COLOURS[k], label=k) for k in kinds],
                    fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False,
                    title="shared trace", title_fontsize=8)
    axes.set(xlim=(-1.15, 1.15), ylim=(-1.15, 1.15), aspect="equal")
    axes.set_position((0.0, 0.0, 0.75, 1.0))
    axes.axis("off")
    by_kind = links["kind"].value_counts()
    caption = (f"{len(drawn)} of {len(members)} members drawn, {len(pairs)} linked pairs; shared traces by kind: "
               + (", ".join(f"{k} {int(by_kind[k])}" for k in kinds) or "none among the drawn members") + ".")
    return figure, caption


def _layout(n: int, edges: np.ndarray, iterations: int = 80) -> np.ndarray:
    """Force-directed positions in [-1, 1]² (Fruchterman–Reingold from a circle, so a graph
    is always drawn the same way): linked members pull together, all push apart, and a pull
    to the centre keeps members without a drawn link from drifting off."""
    angle = 2 * np.pi * np.arange(n) / max(n, 1)
    # Radii of 0.9, 1 and 1.1 in turn break the circle's symmetry (no three members in a line).
    position = np.c_[np.cos(angle), np.sin(angle)] * (1 + 0.1 * (np.arange(n) % 3 - 1))[:, None]
    if n < 2:
        return position * 0
    k = 1 / np.sqrt(n)
    for step in np.linspace(0.1, 0.005, iterations):
        delta = position[:, None] - position[None]
        distance = np.maximum(np.linalg.norm(delta, axis=2), 1e-3)
        move = (delta * (k * k / distance**2)[..., None]).sum(axis=1) - 3 * position
        pull = delta[edges[:, 0], edges[:, 1]] * (distance[edges[:, 0], edges[:, 1]] / k)[:, None]
        np.add.at(move, edges[:, 0], -pull)
        np.add.at(move, edges[:, 1], pull)
        length = np.maximum(np.linalg.norm(move, axis=1), 1e-9)
        position += move / length[:, None] * np.minimum(length, step)[:, None]
    position -= (position.max(axis=0) + position.min(axis=0)) / 2
    return position / max(np.abs(position).max(), 1e-9)


def _star(members: pd.DataFrame) -> Figure:
    """Without the day's keys: the campaign's riskiest members around it, coloured by tier."""
    drawn = members.sort_values(["risk_score", "account_id"], ascending=[False, True]).head(MAX_DRAWN_MEMBERS)
    angle = 2 * np.pi * np.arange(len(drawn)) / max(len(drawn), 1)
    position = np.c_[np.cos(angle), np.sin(angle)]
    figure = Figure(figsize=(4.2, 4.2))
    axes = figure.add_axes((0, 0, 1, 1))
    axes.add_collection(LineCollection([[(0, 0), p] for p in position], colors="#ccc", linewidths=0.6))
    axes.scatter(*position.T, s=70, c=[TIER_COLOURS.get(t, "#000") for t in drawn["risk_tier"]],
                 edgecolors="#333", linewidths=0.5, zorder=2)
    axes.scatter([0], [0], s=300, color="#222", zorder=3)
    axes.set(xlim=(-1.2, 1.2), ylim=(-1.2, 1.2), aspect="equal")
    axes.axis("off")
    return figure


def _waterfall(reasons: list[dict]) -> str:
    """The reasons as a table whose last column is a waterfall: each bar starts where the
    previous one ended, red towards risk, blue away, on one scale from the extremes."""
    if not reasons:
        return "<p class=muted>No reasons recorded.</p>"
    ends = np.cumsum([0.0] + [r["contribution"] for r in reasons])
    low, span = min(ends.min(), 0.0), max(ends.max() - min(ends.min(), 0.0), 1e-9)
    rows = []
    for start, reason in zip(ends, reasons):
        width = reason["contribution"]
        left = (min(start, start + width) - low) / span
        rows.append(
            f"<tr><td>{html.escape(reason['text'])}</td><td class=n>{width:+.2f}</td>"
            f'<td><div class="bar"><b style="left:{-low / span:.1%}"></b><i style="left:{left:.1%};'
            f'width:{max(abs(width) / span, 0.005):.1%};background:{"#d9480f" if width >= 0 else "#1c7ed6"}">'
            "</i></div></td></tr>")
    return ("<table><tr><th>reason</th><th>SHAP</th><th>waterfall (0 at the grey line)</th></tr>"
            + "".join(rows) + "</table>")
