"""The publisher console without a browser: the page shell (CSP, sign-in block, both languages, no
data rendered server-side), its catalogs (complete in en and zh-CN, a name for every filter reason
and key algorithm), and the page code: every /v1 call it makes is one a publisher may make, and
it builds the DOM from text only."""

from __future__ import annotations

import re

from backend.ads.filters.reasons import FilterReason
from backend.ads.signatures import KeyType
from backend.identity.roles import Role
from tests.api.access_table import ACCESS
from tests.web.console_checks import ROOT, console_catalogs, console_shell, page_data, render_hostile
from tests.web.test_pages import client  # noqa: F401  (fixture)

PAGE = ROOT / "web" / "pages" / "publisher.js"
HOSTILE = '<script>alert("publisher")</script>'


def test_the_console_is_a_shell_with_the_sign_in_block_and_a_strict_csp(client):  # noqa: F811
    html = console_shell(client, "publisher").text
    assert "<h1>Publisher console</h1>" in html
    assert 'id="signin-key-form"' in html and 'id="key-form"' in html and 'id="revoke-confirm"' in html
    assert '<link rel="stylesheet" href="/static/dist/publisher.css">' in html, "uPlot's stylesheet"
    assert '<link rel="stylesheet" href="/static/publisher.css">' in html
    assert 'id="console" hidden' in html, "nothing of the publisher's shows before sign-in"
    assert re.findall(r'<option value="([^"]+)"', html) == [kind.value for kind in KeyType]
    data = page_data(html)
    assert data["keyAlgorithms"] == ["ed25519", "secp256k1"]
    assert data["messages"]["publisher.earnings.empty"] == "No campaign has billed your traffic yet."
    assert client.get("/static/publisher.css").status_code == 200


def test_the_console_speaks_simplified_chinese(client):  # noqa: F811
    html = client.get("/console/publisher", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    assert '<html lang="zh-CN">' in html and "<h1>发布商控制台</h1>" in html
    assert "各广告活动收益" in html and "签名密钥" in html and "流量质量" in html
    assert page_data(html)["messages"]["publisher.earnings.payNow"] == "立即支付"


def test_the_publisher_catalogs_are_complete_and_prefixed():
    english, chinese = console_catalogs("publisher")
    assert len(english) > 60
    for key, text in english.items():
        assert chinese[key] and chinese[key] != text or key.endswith(("ed25519", "secp256k1")), key
    assert {f"publisher.reason.{reason.value}" for reason in FilterReason} <= english.keys()
    assert {f"publisher.keys.algorithms.{kind.value}" for kind in KeyType} <= english.keys()
    # Every key the page code and the template use exists.
    used = set(re.findall(r'\bt\("(publisher\.[\w.]+)"', PAGE.read_text()))
    used |= set(re.findall(r't\("(publisher\.[\w.]+)"\)',
                           (ROOT / "backend/web/templates/publisher/console.html").read_text()))
    assert used and used <= english.keys(), used - english.keys()


def test_every_api_call_of_the_page_is_one_a_publisher_may_make():
    source = PAGE.read_text()
    calls = {(method.upper(), re.sub(r"\$\{[^}]+\}", "{}", path))
             for method, path in re.findall(r"api\.(get|post|delete)\(`([^`]+)`", source)}
    calls |= {(method.upper(), path) for method, path in re.findall(r'api\.(get|post|delete)\("([^"]+)"', source)}
    table = {(line.split(" ", 1)[0], re.sub(r"\{\w+\}", "{}", line.split(" ", 1)[1])): expect
             for line, expect in ACCESS.items()}
    assert calls == {
        ("GET", "/v1/payouts/{}"), ("POST", "/v1/payouts/{}"), ("GET", "/v1/publishers/{}/report"),
        ("GET", "/v1/publishers/me/signing-keys"), ("POST", "/v1/publishers/me/signing-keys"),
        ("DELETE", "/v1/publishers/me/signing-keys/{}"), ("GET", "/v1/publishers/{}/traffic"), ("GET", "/v1/tokens"),
    }
    for call in calls:
        expect = table[call]
        assert expect.public or Role.PUBLISHER in expect.roles, call


def test_the_page_builds_its_dom_from_text_only():
    source = PAGE.read_text()
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function", source)


def test_a_script_in_a_message_or_page_data_is_rendered_as_text():
    """Key labels and the publisher's name reach the page only through textContent (the browser test
    proves it); what the server does render — messages and page data — is escaped."""
    html = render_hostile("publisher", HOSTILE, keyAlgorithms=[HOSTILE])
    assert "\\u003cscript\\u003e" in html.split('id="page-data">', 1)[1]
