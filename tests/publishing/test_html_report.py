"""The daily HTML report renders from published tables into one self-contained file."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

from publishing_fixtures import DAY, STATUS, day_campaigns, day_scores, passing
from publishing.publish import publish_day, withhold_day
from publishing.report import render_report


class Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.sources, self.open = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        self.sources += [attrs[k] for k in ("src", "href") if k in attrs]
        if tag not in ("img", "meta", "br", "link"):
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open.pop() == tag, f"</{tag}> closes something else"


def parse(path):
    collector = Collector()
    collector.feed(path.read_text())
    collector.close()
    return collector


def test_published_day_renders_self_contained_html(settings):
    publish_day(settings, DAY, day_scores(), day_campaigns(), STATUS, validate=passing)
    path = render_report(settings, DAY)
    assert path == settings.out_root / "reports" / f"date={DAY}.html"
    page = parse(path)
    assert page.open == [] and page.tags[0] == "html"
    # histogram + one star per campaign + one waterfall per account at verify or above
    assert page.tags.count("img") == 1 + 2 + 3
    for source in page.sources:
        assert source.startswith("data:image/png;base64,")
        assert base64.b64decode(source.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    text = path.read_text()
    assert "camp-A" in text and "synchronized timing" in text and "cot_share_7d is 0.7" in text
    assert not re.search(r"(src|href)=\"?(https?:)?//", text)


def test_withheld_day_says_why_not_nobody(settings):
    withhold_day(settings, DAY, "no champion model as of 2026-03-02", {})
    text = render_report(settings, DAY).read_text()
    assert "withheld: no champion model" in text and "<img" not in text
