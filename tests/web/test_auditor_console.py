"""The auditor and admin console without a browser: the page shell (CSP, sign-in block with the
role choice, the queue and the participants sections, both languages, no data rendered
server-side) and its catalogs."""

from __future__ import annotations

import re

from backend.identity.roles import Role
from tests.web.console_checks import console_catalogs, console_shell, page_data, render_hostile
from tests.web.test_pages import client  # noqa: F401  (fixture)

HOSTILE = '<script>alert("auditor")</script>'


def test_the_console_is_a_shell_with_the_sign_in_block_and_a_strict_csp(client):  # noqa: F811
    html = console_shell(client, "auditor").text
    assert "<h1>Auditor and admin console</h1>" in html
    assert 'id="signin-key-form"' in html and 'id="queue"' in html and 'id="people"' in html
    assert re.findall(r'<option value="(\w+)"', html.split('id="signin-role"', 1)[1].split("</select>", 1)[0]) == [
        "auditor", "admin"]
    data = page_data(html)
    assert data["roles"] == [role.value for role in Role]
    assert data["messages"]["auditor.queue.empty"] == "No open challenges."


def test_the_console_speaks_simplified_chinese(client):  # noqa: F811
    html = client.get("/console/auditor?lang=zh-CN").text
    assert '<html lang="zh-CN">' in html and "<h1>审计与管理控制台</h1>" in html and "质疑队列" in html


def test_the_auditor_catalogs_have_the_same_keys_all_prefixed():
    english, _chinese = console_catalogs("auditor")
    assert len(english) > 50


def test_a_script_in_a_message_or_page_data_is_rendered_as_text():
    html = render_hostile("auditor", HOSTILE, roles=[HOSTILE])
    assert "\\u003cscript\\u003e" in html.split('id="page-data">', 1)[1]
