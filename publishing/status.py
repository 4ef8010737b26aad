"""The `_status/date=D.json` files: what the pipeline did with every day it tried."""

from __future__ import annotations

import datetime as dt
import json

from config.settings import Settings
from publishing.layout import Layout, write_atomic

PUBLISHED, WITHHELD = "published", "withheld"


def read_status(settings: Settings, day: dt.date) -> dict | None:
    """The day's status, or None when the pipeline never tried the day."""
    path = Layout(settings.published).status_file(day)
    return json.loads(path.read_text()) if path.exists() else None


def all_statuses(settings: Settings) -> list[dict]:
    """Every attempted day's status, oldest first."""
    folder = Layout(settings.published).status_dir
    return [json.loads(p.read_text()) for p in sorted(folder.glob("date=*.json"))]


def write_status(layout: Layout, day: dt.date, status: dict) -> None:
    """Written last of a day, atomically, with the actual write time (the files hold none)."""
    body = {**status, "date": day.isoformat(), "written_at": dt.datetime.now(dt.timezone.utc).isoformat()}
    layout.status_dir.mkdir(parents=True, exist_ok=True)
    data = json.dumps(body, indent=2, sort_keys=True, default=_plain).encode()
    write_atomic(layout.status_file(day), data, layout.staging)


def _plain(value):
    """numpy scalars (counts handed in by callers) as JSON numbers; anything else as text."""
    return value.item() if hasattr(value, "item") else str(value)
