"""The brand console without a browser: the page shell (CSP, sign-in block, the sheet section and
its print stylesheet, both languages, no data rendered server-side) and its message catalogs."""

from __future__ import annotations

import json
import re
from pathlib import Path

from backend.web import i18n
from backend.web.render import environment
from tests.web.test_pages import client  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = '<script>alert("product")</script>'


def test_the_console_is_a_shell_with_sign_in_recall_confirmation_and_a_sheet(client):  # noqa: F811
    response = client.get("/console/brand")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy and "img-src 'self' data:" in policy
    html = response.text
    assert "<h1>Brand console</h1>" in html
    assert 'id="signin-key-form"' in html and 'id="products"' in html and 'id="sheet-grid"' in html
    assert 'id="recall-confirm" role="alertdialog"' in html and 'id="recall-yes"' in html
    assert '<link rel="stylesheet" href="/static/dist/brand.css">' in html, "uPlot's stylesheet"
    assert re.findall(r"<script[^>]*>", html) == ['<script type="module" src="/static/dist/brand.js">',
                                                  '<script type="application/json" id="page-data">']
    data = json.loads(html.split('id="page-data">', 1)[1].split("</script>", 1)[0])
    assert data["messages"]["brand.recall.confirm"] == "Yes, recall it"
    css = client.get("/static/brand.css")
    assert css.status_code == 200 and "@media print" in css.text and "break-inside: avoid" in css.text


def test_the_console_speaks_simplified_chinese(client):  # noqa: F811
    html = client.get("/console/brand?lang=zh-CN").text
    assert '<html lang="zh-CN">' in html and "<h1>品牌控制台</h1>" in html and "可打印二维码页" in html


def test_the_brand_catalogs_have_the_same_keys_all_prefixed_with_the_same_placeholders():
    english, chinese = (json.loads((i18n.MESSAGES / "brand" / f"{name}.json").read_text()) for name in ("en", "zh-CN"))
    assert english.keys() == chinese.keys() and len(english) > 50
    assert all(key.startswith("brand.") for key in english)
    for key, text in english.items():
        assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", chinese[key])), key
    script = (ROOT / "web" / "pages" / "brand.js").read_text()
    used = set(re.findall(r'"(brand\.[\w.]+)"', script)) | set(re.findall(r'"(brand\.[\w.]+)"',
                                                                      (ROOT / "backend/web/templates/brand/console.html").read_text()))
    assert used - english.keys() == set()
    assert "innerHTML" not in script


def test_a_script_in_a_message_is_rendered_as_text():
    html = environment().get_template("brand/console.html").render(
        t=lambda key, **_: HOSTILE, locale="en", locales=i18n.LOCALES, csrf_token="x" * 43, title=HOSTILE,
        module="brand", static="/static", path="/console/brand", page_data={"locale": "en", "messages": {}})
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;product&#34;)&lt;/script&gt;" in html
