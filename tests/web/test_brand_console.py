"""The brand console without a browser: the page shell (CSP, sign-in block, the sheet section and
its print stylesheet, both languages, no data rendered server-side) and its message catalogs."""

from __future__ import annotations

import re

from tests.web.console_checks import ROOT, console_catalogs, console_shell, page_data, render_hostile
from tests.web.test_pages import client  # noqa: F401  (fixture)

HOSTILE = '<script>alert("product")</script>'


def test_the_console_is_a_shell_with_sign_in_recall_confirmation_and_a_sheet(client):  # noqa: F811
    response = console_shell(client, "brand")
    assert "img-src 'self' data:" in response.headers["content-security-policy"]
    html = response.text
    assert "<h1>Brand console</h1>" in html
    assert 'id="signin-key-form"' in html and 'id="products"' in html and 'id="sheet-grid"' in html
    assert 'id="recall-confirm" role="alertdialog"' in html and 'id="recall-yes"' in html
    assert '<button type="button" id="products-more" hidden>More products</button>' in html, "the catalogue is paged"
    assert '<link rel="stylesheet" href="/static/dist/brand.css">' in html, "uPlot's stylesheet"
    data = page_data(html)
    assert data["messages"]["brand.recall.confirm"] == "Yes, recall it"
    css = client.get("/static/brand.css")
    assert css.status_code == 200 and "@media print" in css.text and "break-inside: avoid" in css.text


def test_the_console_speaks_simplified_chinese(client):  # noqa: F811
    html = client.get("/console/brand?lang=zh-CN").text
    assert '<html lang="zh-CN">' in html and "<h1>品牌控制台</h1>" in html and "可打印二维码页" in html


def test_the_brand_catalogs_have_the_same_keys_all_prefixed_with_the_same_placeholders():
    english, _chinese = console_catalogs("brand")
    assert len(english) > 50
    script = (ROOT / "web" / "pages" / "brand.js").read_text()
    used = set(re.findall(r'"(brand\.[\w.]+)"', script)) | set(re.findall(r'"(brand\.[\w.]+)"',
                                                                      (ROOT / "backend/web/templates/brand/console.html").read_text()))
    assert used - english.keys() == set()
    assert "innerHTML" not in script


def test_a_script_in_a_message_is_rendered_as_text():
    render_hostile("brand", HOSTILE)
