import re
from datetime import datetime, timezone
from html.parser import HTMLParser

import pytest

from backend.provenance.page import ProductPage, TimelineEntry
from backend.provenance.verdict import Verdict
from backend.web.render import product_html, product_json

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
HASH = "ni:///sha-256;" + "ab" * 32 + "?ver=CBV2.0"


def page(verdict=Verdict.GENUINE, timeline=None, claim_note=None, name="Chronograph <42>"):
    entries = timeline if timeline is not None else [
        TimelineEntry("Made", None, "site 9506000000107, point 1", "Acme Factory", "1 March 2026, 09:00 (UTC+01:00)",
                      "2026-03-01T08:00:00Z", 7, HASH),
        TimelineEntry("Quality check", "passed", "site 9506000000107", "Acme Factory", "1 March 2026, 09:30 (UTC+01:00)",
                      "2026-03-01T08:30:00Z", None, HASH),
    ]
    return ProductPage("09506000134352", "A1", "/01/09506000134352/21/A1", name, "Acme Watches", verdict,
                       "Registered by the brand; nothing looks wrong.", claim_note, entries, NOW)


class Outline(HTMLParser):
    """Tags, attributes and text of a page, enough for structural accessibility checks."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.headings: list[tuple[int, str]] = []
        self._heading: int | None = None
        self._text: list[str] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if re.fullmatch(r"h[1-6]", tag):
            self._heading, self._text = int(tag[1]), []

    def handle_endtag(self, tag):
        if self._heading and tag == f"h{self._heading}":
            self.headings.append((self._heading, "".join(self._text).strip()))
            self._heading = None

    def handle_data(self, data):
        self.text += data
        if self._heading:
            self._text.append(data)


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    return parser


def test_page_shows_verdict_product_and_timeline():
    html = product_html(page(claim_note="Claimed by its buyer on 4 March 2026."))
    parsed = outline(html)
    assert parsed.headings[0] == (1, "✓Genuine")
    assert "Registered by the brand; nothing looks wrong." in parsed.text
    assert "Claimed by its buyer on 4 March 2026." in parsed.text
    assert "Acme Watches" in parsed.text and "09506000134352" in parsed.text
    assert [text for level, text in parsed.headings if level == 3] == ["Made", "Quality check: passed"]
    assert "Anchored in block 7" in parsed.text and "Pending" in parsed.text
    assert ("time", {"datetime": "2026-03-01T08:00:00Z"}) in parsed.tags
    assert "Chronograph &lt;42&gt;" in html  # escaped


@pytest.mark.parametrize(
    "verdict, word", [(Verdict.GENUINE, "Genuine"), (Verdict.UNVERIFIED, "Not verified"), (Verdict.SUSPICIOUS, "Suspicious")]
)
def test_each_verdict_has_its_word_and_style(verdict, word):
    parsed = outline(product_html(page(verdict)))
    assert parsed.headings[0][1].endswith(word)
    (section,) = [attrs for tag, attrs in parsed.tags if tag == "section" and "verdict" in attrs.get("class", "")]
    assert section["class"] == f"verdict {verdict.value}"


def test_empty_history_says_so():
    assert "No events are recorded for this item." in outline(product_html(page(Verdict.UNVERIFIED, timeline=[]))).text


def test_basic_accessibility():
    html = product_html(page())
    parsed = outline(html)
    tags = [tag for tag, _ in parsed.tags]
    assert ("html", {"lang": "en"}) in parsed.tags
    assert ("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}) in parsed.tags
    assert tags.count("main") == 1 and "header" in tags and "footer" in tags
    assert tags.count("h1") == 1 and tags.index("h1") < tags.index("h2")
    levels = [level for level, _ in parsed.headings]
    assert all(later - earlier <= 1 for earlier, later in zip(levels, levels[1:])), levels  # no skipped level
    assert all("alt" in attrs for tag, attrs in parsed.tags if tag == "img")
    assert all(attrs.get("aria-hidden") == "true" for tag, attrs in parsed.tags if "mark" in attrs.get("class", ""))
    assert all(attrs.get("aria-labelledby") for tag, attrs in parsed.tags if tag == "section")
    assert re.search(r"<title>Genuine: Chronograph &lt;42&gt; A1</title>", html)


def test_no_external_assets_and_no_scripts():
    html = product_html(page())
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert not re.search(r"(src|href)\s*=", html)
    assert not re.search(r"url\(", html)
    assert len(html.encode()) < 8_000


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[index:index + 2], 16) / 255 for index in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_text_colours_meet_wcag_aa_contrast():
    html = product_html(page())
    colours = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})", html))
    pairs = [("fg", "bg"), ("muted", "bg"), ("link", "bg"), ("pending-fg", "bg"), ("anchored-fg", "bg")]
    pairs += [(f"{v}-fg", f"{v}-bg") for v in ("genuine", "unverified", "suspicious")]
    for fg, bg in pairs:
        assert contrast(colours[fg], colours[bg]) >= 4.5, (fg, bg, contrast(colours[fg], colours[bg]))


def test_readable_at_320_pixels():
    html = product_html(page())
    assert "max-width: 40rem" in html and "overflow-wrap: anywhere" in html
    assert not re.search(r"width:\s*\d{3,}px", html)  # no fixed widths wider than a phone


def test_json_rendering():
    body = product_json(page())
    assert body["verdict"] == "genuine" and body["brand"] == "Acme Watches"
    assert [(e["step"], e["status"], e["anchoredBlock"]) for e in body["events"]] == [
        ("Made", "anchored", 7), ("Quality check", "pending", None)
    ]
