"""The daily HTML report renders from published tables (and the day's linkage keys) into one
self-contained file."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import numpy as np

from publishing_fixtures import DAY, STATUS, day_campaigns, day_scores, passing, write_linkage_keys
from publishing.publish import publish_day, withhold_day
from publishing.report import _layout, render_report


class Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.sources, self.open = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        self.sources += [attrs[k] for k in ("src",) if k in attrs]
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
    write_linkage_keys(settings)
    path = render_report(settings, DAY)
    assert path == settings.out_root / "reports" / f"date={DAY}.html"
    page = parse(path)
    assert page.open == [] and page.tags[0] == "html"
    # histogram + one linkage graph per campaign; the waterfalls are HTML bars
    assert page.tags.count("img") == 1 + 2
    for source in page.sources:
        assert source.startswith("data:image/png;base64,")
        assert base64.b64decode(source.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    text = path.read_text()
    assert "camp-A" in text and "synchronized timing" in text and "cot_share_7d is 0.7" in text
    assert "3 of 3 members drawn, 3 linked pairs; shared traces by kind: payment 3, template 1." in text
    # one waterfall table per account at verify or above, a bar per reason
    assert text.count("waterfall (0 at the grey line)") == 3 and text.count('class="bar"') == 6
    assert "usage_logs_contract" in text
    assert not re.search(r"(src|href)=\"?(https?:)?//", text)
    assert not re.search(r"\b\d{1,3}(\.\d{1,3}){3}\b", text), "no address in clear"


def test_without_the_days_keys_the_members_are_drawn_around_the_campaign(settings):
    publish_day(settings, DAY, day_scores(), day_campaigns(), STATUS, validate=passing)
    text = render_report(settings, DAY).read_text()
    assert "no longer holds this day's linkage keys" in text and "linked pairs" not in text
    assert text.count("<img") == 1 + 2


def test_withheld_day_says_why_not_nobody(settings):
    withhold_day(settings, DAY, "no champion model as of 2026-03-02", {})
    text = render_report(settings, DAY).read_text()
    assert "withheld: no champion model" in text and "<img" not in text


def test_layout_keeps_linked_members_closer_than_strangers():
    # Two triangles joined by nothing, and one member with no link at all.
    edges = np.array([(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)])
    position = _layout(7, edges)
    assert np.abs(position).max() <= 1 + 1e-9
    distance = np.linalg.norm(position[:, None] - position[None], axis=2)
    linked = distance[edges[:, 0], edges[:, 1]]
    assert linked.max() < distance[:3, 3:6].min()
    np.testing.assert_array_equal(position, _layout(7, edges))
