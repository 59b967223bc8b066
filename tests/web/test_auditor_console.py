"""The auditor and admin console without a browser: the page shell (CSP, sign-in block with the
role choice, the queue and the participants sections, both languages, no data rendered
server-side) and its catalogs."""

from __future__ import annotations

import json
import re

from backend.identity.roles import Role
from backend.web import i18n
from backend.web.render import environment
from tests.web.test_pages import client  # noqa: F401  (fixture)

HOSTILE = '<script>alert("auditor")</script>'


def test_the_console_is_a_shell_with_the_sign_in_block_and_a_strict_csp(client):  # noqa: F811
    response = client.get("/console/auditor")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    html = response.text
    assert "<h1>Auditor and admin console</h1>" in html
    assert 'id="signin-key-form"' in html and 'id="queue"' in html and 'id="people"' in html
    assert re.findall(r'<option value="(\w+)"', html.split('id="signin-role"', 1)[1].split("</select>", 1)[0]) == [
        "auditor", "admin"]
    assert re.findall(r"<script[^>]*>", html) == ['<script type="module" src="/static/dist/auditor.js">',
                                                  '<script type="application/json" id="page-data">']
    data = json.loads(html.split('id="page-data">', 1)[1].split("</script>", 1)[0])
    assert data["roles"] == [role.value for role in Role]
    assert data["messages"]["auditor.queue.empty"] == "No open challenges."


def test_the_console_speaks_simplified_chinese(client):  # noqa: F811
    html = client.get("/console/auditor?lang=zh-CN").text
    assert '<html lang="zh-CN">' in html and "<h1>审计与管理控制台</h1>" in html and "质疑队列" in html


def test_the_auditor_catalogs_have_the_same_keys_all_prefixed():
    english, chinese = (json.loads((i18n.MESSAGES / "auditor" / f"{name}.json").read_text()) for name in ("en", "zh-CN"))
    assert english.keys() == chinese.keys() and len(english) > 50
    assert all(key.startswith("auditor.") for key in english)
    for key, text in english.items():
        assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", chinese[key])), key


def test_a_script_in_a_message_or_page_data_is_rendered_as_text():
    html = environment().get_template("auditor/console.html").render(
        t=lambda key, **_: HOSTILE, locale="en", locales=i18n.LOCALES, csrf_token="x" * 43, title=HOSTILE,
        module="auditor", static="/static", path="/console/auditor",
        page_data={"locale": "en", "messages": {}, "roles": [HOSTILE]})
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;auditor&#34;)&lt;/script&gt;" in html
    assert "\\u003cscript\\u003e" in html.split('id="page-data">', 1)[1]
