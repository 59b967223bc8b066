"""The pages' foundation without a browser: escaping, catalogs, locale choice, CSP, CSRF, cookies."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from backend.api.main import create_app
from backend.core.config import Settings
from backend.db.migrate import upgrade_database
from backend.web import i18n
from backend.web.consumer import OfferCard, WalletPage
from backend.web.render import environment
from backend.web.security import secure_cookies

HOSTILE = '<script>alert("purpose")</script>'


@pytest.fixture
def client(tmp_path):
    settings = Settings(environment="test", database_url=f"sqlite:///{tmp_path / 'web.db'}",
                        manifest_path=tmp_path / "none.json", public_base_url="http://127.0.0.1:8000")
    upgrade_database(settings.database_url)
    with TestClient(create_app(settings)) as client:
        yield client


def card(**overrides) -> OfferCard:
    values = dict(offer_id=7, advertiser="0x" + "ab" * 20, advertiser_name="Acme", purpose=None,
                  purpose_words="Advertising", data_categories=["country"], compensation="5000000",
                  token_symbol="tUSD", token_decimals=6, period_seconds=86400, grants_left=3)
    return OfferCard(**(values | overrides))


def render_wallet(page: WalletPage) -> str:
    t = i18n.translator("en")
    return environment().get_template("consumer/wallet.html").render(
        t=t, locale="en", locales=i18n.LOCALES, csrf_token="x" * 43, title="Wallet", module="consumer",
        static="/static", page_data={"locale": "en", "messages": {}, **page.config}, path="/wallet", page=page)


def test_a_script_in_an_offer_purpose_advertiser_and_category_is_rendered_as_text():
    config = {"consentDays": 90, "erasureStatement": "Erase", "purposeKeys": [], "categoryKeys": []}
    html = render_wallet(WalletPage(True, [card(purpose=HOSTILE, purpose_words=HOSTILE, advertiser_name=HOSTILE,
                                                data_categories=[HOSTILE], token_symbol=HOSTILE)], config))
    assert "<script>alert" not in html
    assert html.count("&lt;script&gt;alert(&#34;purpose&#34;)&lt;/script&gt;") == 5  # name, purpose, tag, symbol ×2
    # The only script elements are the module (by URL) and the JSON data block.
    assert re.findall(r"<script[^>]*>", html) == ['<script type="module" src="/static/dist/consumer.js">',
                                                  '<script type="application/json" id="page-data">']


def test_page_data_cannot_close_its_script_element():
    config = {"consentDays": 90, "erasureStatement": "</script><script>alert(1)</script>", "purposeKeys": [],
              "categoryKeys": []}
    html = render_wallet(WalletPage(False, [], config))
    data_block = html.split('id="page-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data_block and "\\u003c/script\\u003e" in data_block


def test_catalogs_have_the_same_keys_and_placeholders():
    english, chinese = i18n.catalog("en"), i18n.catalog("zh-CN")
    assert english.keys() == chinese.keys()
    for key, text in english.items():
        assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", chinese[key])), key


def test_each_catalog_file_has_its_twin_and_no_key_is_defined_twice():
    seen: dict[str, str] = {}
    for english_file, chinese_file in zip(i18n.catalog_files("en"), i18n.catalog_files("zh-CN"), strict=True):
        assert english_file.parent == chinese_file.parent
        english = json.loads(english_file.read_text(encoding="utf-8"))
        assert english.keys() == json.loads(chinese_file.read_text(encoding="utf-8")).keys(), english_file
        for key in english:
            assert key not in seen, f"{key} is in {seen.get(key)} and {english_file}"
            seen[key] = str(english_file)
        if english_file.parent != i18n.MESSAGES:
            prefix = english_file.parent.name + "."
            assert all(key.startswith(prefix) for key in english), f"keys of {english_file} start with {prefix}"


@pytest.mark.parametrize(("query", "cookie", "accept", "chosen"), [
    (None, None, None, "en"),
    (None, None, "zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
    (None, None, "fr-FR, en;q=0.5, zh;q=0.9", "zh-CN"),
    (None, "en", "zh-CN", "en"),
    ("zh-Hans", "en", None, "zh-CN"),
    ("xx", None, "de", "en"),
])
def test_the_locale_is_the_query_then_the_cookie_then_accept_language(query, cookie, accept, chosen):
    assert i18n.negotiate(query, cookie, accept) == chosen


def test_the_wallet_page_has_a_strict_csp_and_an_http_only_same_site_csrf_cookie(client):
    response = client.get("/wallet")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    cookie = response.headers["set-cookie"]
    assert "tl_csrf=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    token = re.search(r'name="csrf-token" content="([^"]+)"', response.text).group(1)
    assert token == client.cookies["tl_csrf"]
    assert "the consent registry is not deployed" in response.text, "the empty state without a chain"


def test_cookies_are_secure_except_on_plain_http_localhost():
    assert secure_cookies("https://trustledger.example") and secure_cookies("http://trustledger.example")
    assert not secure_cookies("http://127.0.0.1:8000") and not secure_cookies("http://localhost")


def test_a_state_changing_call_with_the_cookie_needs_the_matching_header(client):
    client.get("/wallet")
    token = client.cookies["tl_csrf"]
    refused = client.post("/v1/auth/nonce")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    assert client.post("/v1/auth/nonce", headers={"X-CSRF-Token": "forged" * 8}).status_code == 403
    passed = client.post("/v1/auth/nonce", headers={"X-CSRF-Token": token})
    assert passed.status_code != 403  # on to the API (503 here: no chain is deployed)
    assert client.get("/health").status_code != 403, "reads are not checked"


def test_api_clients_without_the_cookie_are_not_affected(client):
    assert client.post("/v1/auth/nonce").status_code == 503  # the API's own answer: no chain


def test_the_language_switch_needs_the_form_token_and_only_goes_back_to_this_site(client):
    client.get("/wallet")
    token = client.cookies["tl_csrf"]
    form = {"lang": "zh-CN", "next": "/wallet", "csrf_token": token}
    assert client.post("/web/locale", data=form | {"csrf_token": "wrong"}, follow_redirects=False).status_code == 403
    switched = client.post("/web/locale", data=form, follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/wallet"
    assert "SameSite=strict" in switched.headers["set-cookie"]
    page = client.get("/wallet")
    assert '<html lang="zh-CN">' in page.text and "您的数据与同意" in page.text
    away = client.post("/web/locale", data=form | {"next": "//evil.example/x"}, follow_redirects=False)
    assert away.headers["location"] == "/x", "only the path is kept: the redirect stays on this site"
