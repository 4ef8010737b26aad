"""The HTML report as a browser shows it: Debian's headless Chromium takes a screenshot, and the
screenshot must show the page's pictures and colours, not a blank or an error page."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from PIL import Image

from publishing_fixtures import DAY, STATUS, day_campaigns, day_scores, passing, write_linkage_keys
from publishing.publish import publish_day
from publishing.report import TIER_COLOURS, render_report

CHROMIUM = shutil.which("chromium")
HISTOGRAM_BLUE = (0x4C, 0x6E, 0xF5)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"),
]


def test_report_renders_in_headless_chromium(settings, tmp_path):
    publish_day(settings, DAY, day_scores(), day_campaigns(), STATUS, validate=passing)
    write_linkage_keys(settings)
    report = render_report(settings, DAY)
    screenshot = tmp_path / "report.png"
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={screenshot}", "--window-size=1280,2000",
         report.resolve().as_uri()],
        capture_output=True, text=True, timeout=180,
    )
    assert screenshot.exists(), f"no screenshot (exit {result.returncode}): {result.stderr[-2000:]}"
    image = Image.open(screenshot).convert("RGB")
    assert image.size == (1280, 2000)
    colours = {colour: n for n, colour in image.getcolors(maxcolors=1 << 24)}
    assert len(colours) > 100, "a page of text and pictures has many shades"
    assert colours.get((255, 255, 255), 0) < 0.97 * 1280 * 2000, "almost all white"
    # The histogram (a decoded inline PNG) and the tier colours (CSS) are on screen.
    assert colours.get(HISTOGRAM_BLUE, 0) > 500
    suspend = tuple(int(TIER_COLOURS["suspend_review"][i:i + 2], 16) for i in (1, 3, 5))
    assert colours.get(suspend, 0) > 20
