"""Checks every participant console's server-side tests share: the page is a shell under a strict
CSP with exactly its module and its page data as scripts; its catalogs are complete in both
languages; a hostile string the server renders comes out escaped."""

from __future__ import annotations

import json
import re
from pathlib import Path

from backend.web import i18n
from backend.web.render import environment

ROOT = Path(__file__).resolve().parents[2]


def page_data(html: str) -> dict:
    return json.loads(html.split('id="page-data">', 1)[1].split("</script>", 1)[0])


def console_shell(client, console: str):
    """The console's response, checked: 200, no inline script allowed, its two script tags only."""
    response = client.get(f"/console/{console}")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert re.findall(r"<script[^>]*>", response.text) == [f'<script type="module" src="/static/dist/{console}.js">',
                                                           '<script type="application/json" id="page-data">']
    return response


def console_catalogs(console: str) -> tuple[dict[str, str], dict[str, str]]:
    """(English, Chinese) catalogs of the console, checked: the same keys, all prefixed with the
    console's name, the same placeholders in both."""
    english, chinese = (json.loads((i18n.MESSAGES / console / f"{name}.json").read_text()) for name in ("en", "zh-CN"))
    assert english.keys() == chinese.keys()
    assert all(key.startswith(f"{console}.") for key in english)
    for key, text in english.items():
        assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", chinese[key])), key
    return english, chinese


def render_hostile(console: str, hostile: str, **page_data: object) -> str:
    """The console's template with every message and the title replaced by `hostile` (a
    ``<script>alert("...")</script>``), checked to come out escaped."""
    html = environment().get_template(f"{console}/console.html").render(
        t=lambda key, **_: hostile, locale="en", locales=i18n.LOCALES, csrf_token="x" * 43, title=hostile,
        module=console, static="/static", path=f"/console/{console}",
        page_data={"locale": "en", "messages": {}, **page_data})
    assert "<script>alert" not in html
    assert hostile.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;") in html
    return html
