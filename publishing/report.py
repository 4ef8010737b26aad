"""The daily HTML report: one self-contained file per day for people who would rather look.

Built only from what was published (the status file and the pair of files it names), so
the report shows exactly what enforcement saw. Pictures are inline base64 PNGs drawn with
matplotlib's object API (no pyplot global state, no display needed). The waterfalls are
drawn from the published reasons: they hold the strongest SHAP contributions only, not
the base value, so a bar chart of those contributions is what can honestly be shown.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import math
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from matplotlib.figure import Figure

from config.settings import Settings
from publishing.layout import write_atomic
from publishing.schema import FLAGGED_TIERS, TIERS
from publishing.status import PUBLISHED, read_status

TOP_CAMPAIGNS = 5
TOP_ACCOUNTS = 10
MAX_DRAWN_MEMBERS = 80
TIER_COLOURS = dict(zip(TIERS, ("#b0b0b0", "#f2c744", "#f08c2e", "#d9480f", "#a4161a")))
STYLE = """body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}
.withheld{background:#fde2e1;padding:1em;border:1px solid #a4161a}img{max-width:100%}"""


def render_report(settings: Settings, day: dt.date) -> Path:
    """Write `reports/date=D.html` for day D (published, withheld or never tried); return its path."""
    status = read_status(settings, day)
    if status is not None and status["state"] == PUBLISHED:
        scores, campaigns = (pq.read_table(settings.published / status["files"][name]).to_pandas()
                             for name in ("account_scores", "campaigns"))
        body = _published_body(status, scores, campaigns)
    else:
        why = "the pipeline has not tried this day" if status is None else f"withheld: {status['reason']}"
        body = (f'<p class="withheld"><b>No scores for {day}</b> — {html.escape(why)}. '
                "This is not “nobody is risky”: enforcement has nothing to act on for this day.</p>")
    page = (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>distillguard {day}</title><style>{STYLE}</style></head>"
            f"<body><h1>distillguard — {day}</h1>{body}</body></html>")
    path = settings.reports / f"date={day.isoformat()}.html"
    settings.reports.mkdir(parents=True, exist_ok=True)
    write_atomic(path, page.encode(), settings.reports)
    return path


def _published_body(status: dict, scores: pd.DataFrame, campaigns: pd.DataFrame) -> str:
    counts = scores["risk_tier"].value_counts()
    tiers = "".join(f"<tr><td>{t}</td><td>{int(counts.get(t, 0)):,}</td></tr>" for t in TIERS)
    parts = [
        f"<p>Model {html.escape(str(status['model_name']))} version {html.escape(str(status['model_version']))}; "
        f"{len(scores):,} accounts scored, {len(campaigns):,} linked groups.</p>",
        f"<h2>Tiers</h2><table><tr><th>tier</th><th>accounts</th></tr>{tiers}</table>",
        f"<h2>Score distribution</h2>{_img(_histogram(scores))}",
        "<h2>Top campaigns</h2>",
    ]
    for campaign in campaigns.sort_values(["risk_score", "campaign_id"], ascending=[False, True]).head(TOP_CAMPAIGNS).itertuples():
        members = scores[scores["campaign_id"] == campaign.campaign_id]
        evidence = "".join(f"<li>{html.escape(e)}</li>" for e in campaign.evidence)
        parts.append(
            f"<h3>{html.escape(campaign.campaign_id)} — score {campaign.risk_score:.2f}</h3>"
            f"<p>{campaign.n_accounts:,} accounts, {campaign.n_flagged:,} at verify or above, "
            f"{campaign.requests:,} requests on the day.</p><ul>{evidence}</ul>{_img(_star(campaign, members))}")
    flagged = scores[scores["risk_tier"].isin(FLAGGED_TIERS)]
    parts.append("<h2>Top accounts</h2>")
    for account in flagged.sort_values(["risk_score", "account_id"], ascending=[False, True]).head(TOP_ACCOUNTS).itertuples():
        reasons = "".join(f"<li>{html.escape(r['text'])}</li>" for r in account.reasons)
        parts.append(f"<h3>{html.escape(account.account_id)} — {account.risk_tier}, score {account.risk_score:.3f}</h3>"
                     f"<ul>{reasons}</ul>{_img(_waterfall(account))}")
    return "".join(parts)


def _img(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return f'<img alt="" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def _histogram(scores: pd.DataFrame) -> Figure:
    figure = Figure(figsize=(8, 3))
    axes = figure.subplots()
    axes.hist(scores["risk_score"], bins=50, range=(0, 1), color="#4c6ef5", log=True)
    axes.set(xlabel="risk score", ylabel="accounts (log scale)")
    return figure


def _star(campaign, members: pd.DataFrame) -> Figure:
    """The campaign's accounts around it, coloured by tier, with the evidence that links them."""
    figure = Figure(figsize=(6, 4.5))
    axes = figure.subplots()
    drawn = members.sort_values("risk_score", ascending=False).head(MAX_DRAWN_MEMBERS)
    for i, member in enumerate(drawn.itertuples()):
        angle = 2 * math.pi * i / max(len(drawn), 1)
        x, y = math.cos(angle), math.sin(angle)
        axes.plot([0, x], [0, y], color="#ccc", linewidth=0.6, zorder=1)
        axes.scatter([x], [y], s=40, color=TIER_COLOURS.get(member.risk_tier, "#000"), zorder=2)
    axes.scatter([0], [0], s=300, color="#222", zorder=3)
    more = f" (+{len(members) - len(drawn)} not drawn)" if len(members) > len(drawn) else ""
    axes.set_title(f"{campaign.campaign_id}: {len(members)} accounts scored today{more}", fontsize=9)
    figure.text(0.02, -0.02, "\n".join(campaign.evidence[:4]), fontsize=8, va="top")
    for tier in TIERS:
        axes.scatter([], [], color=TIER_COLOURS[tier], label=tier)
    axes.legend(fontsize=7, loc="upper right", bbox_to_anchor=(1.35, 1))
    axes.set(xlim=(-1.3, 1.3), ylim=(-1.3, 1.3), aspect="equal")
    axes.axis("off")
    return figure


def _waterfall(account) -> Figure:
    """Strongest contributions, largest first, stacked from 0 like a SHAP waterfall."""
    reasons = list(account.reasons)
    figure = Figure(figsize=(8, 0.45 * len(reasons) + 1.2))
    axes = figure.subplots()
    start = 0.0
    for row, reason in enumerate(reasons):
        width = reason["contribution"]
        axes.barh(row, width, left=start, color="#d9480f" if width >= 0 else "#1c7ed6")
        axes.annotate(f"{width:+.2f}", (start + width, row), fontsize=7, va="center",
                      xytext=(3 if width >= 0 else -3, 0), textcoords="offset points",
                      ha="left" if width >= 0 else "right")
        start += width
    axes.set_yticks(range(len(reasons)), [_short(r["text"]) for r in reasons], fontsize=8)
    axes.invert_yaxis()
    axes.axvline(0, color="#888", linewidth=0.8)
    axes.set_xlabel("contribution to the model's log-odds (SHAP), strongest reasons only")
    return figure


def _short(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
