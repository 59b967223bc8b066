"""The consumer consent wallet (/wallet) in headless Chromium, driven by Playwright, at 390×844.

Against anvil, the real outbox and sender, the indexer and the API under uvicorn (the
consent world of tests/consent): connect a test EIP-1193 wallet, sign in with EIP-4361,
see the offers, grant (pending until the indexer mirrors it, then active with a receipt),
sign out (the server refuses the old session token from then on; an unreachable server
does not keep the page signed in), the advertiser's read in the access log, the export as a download, withdraw, erase with
the confirmation step. axe-core finds no serious or critical violation; screenshots go to
build/screenshots/.
"""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo
from pathlib import Path

import pytest
from eth_account import Account

from backend.consent.client import ConsumerClient
from tests.api.conftest import custody, database_url, make_api, outbox  # noqa: F401  (fixtures)
from tests.browser.live_server import LiveServer
from tests.browser.wallet_support import (
    BUNDLE, PHONE, axe_violations, install_wallet, needs_page, screenshot,
)
from tests.consent.conftest import PROFILE, world  # noqa: F401  (fixture)

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = needs_page(BUNDLE)

HOSTILE_NAME = 'Acme <script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> Ads'


def live(world):
    """Serve the world's app; the API's origin (SIWE domain, cookies) is the live server's."""
    server = LiveServer(world.api.app)
    base = server.__enter__()
    world.api.app.state.settings = world.settings.model_copy(update={"public_base_url": base})
    world.api.clock.fixed = None  # the browser signs with the real time; the fresh chain agrees
    return server, base


def test_connect_sign_in_grant_log_export_withdraw_erase_on_a_phone(world, chromium, tmp_path):
    advertiser, advertiser_address = world.advertiser(HOSTILE_NAME)
    offer = world.publish_offer(advertiser)
    wallet = Account.create("browser consumer")
    server, base = live(world)
    try:
        reference = ConsumerClient(world.client, wallet)  # the same wallet enrols and shares data first
        reference.sign_in()
        reference.share(PROFILE)
        pairwise = reference.pairwise(advertiser_address).address

        context = chromium.new_context(viewport=PHONE, device_scale_factor=1, locale="en-GB", timezone_id="Asia/Shanghai",
                                       accept_downloads=True)
        signed: list[str] = []
        install_wallet(context, wallet, world.w3.eth.chain_id, signed)
        page = context.new_page()
        console_errors: list[str] = []
        page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
        page.on("response", lambda answer: console_errors.append(f"{answer.status} {answer.url}") if answer.status == 404 else None)
        tokens: list[str] = []  # the X-Subject-Session tokens the page sent, in order
        page.on("request", lambda sent: tokens.append(sent.headers["x-subject-session"])
                if "x-subject-session" in sent.headers and (not tokens or tokens[-1] != sent.headers["x-subject-session"])
                else None)
        response = page.goto(f"{base}/wallet")
        assert response.status == 200
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        cookie = next(c for c in context.cookies() if c["name"] == "tl_csrf")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and not cookie["secure"]  # plain-http localhost

        # The offer: an advertiser name with markup is shown as text, and nothing of it ran.
        card = page.locator(f'li.offer[data-offer-id="{offer["offer_id"]}"]')
        assert card.locator("h3").inner_text() == HOSTILE_NAME
        assert page.evaluate("window.__pwned") is None
        assert card.locator(".purpose").inner_text() == "Advertising tailored to your profile"
        assert card.locator(".tag").all_inner_texts() == ["Age band", "Country", "Interests"]
        assert card.locator("data.amount").inner_text() == "5.00 tUSD"
        assert card.locator(".duration").inner_text() == "30 days"
        assert card.locator("button.grant").is_disabled(), "granting needs a sign-in"
        assert axe_violations(page) == []
        screenshot(page, "wallet-phone-offers")

        page.click("#connect-button")
        page.wait_for_selector("#wallet-status[data-state=signed-in]")
        assert page.inner_text("#wallet-status") == f"Signed in as {wallet.address}"
        assert signed[0].startswith(f"{base} wants you to sign in with your Ethereum account:")
        page.wait_for_selector("#consents-empty:not([hidden])")
        assert page.inner_text("#profile") .split("\n")[:2] == ["Age band", "25-34"]
        assert page.is_visible("#log-empty")

        card.locator("button.grant").click()
        page.wait_for_selector("li.consent")
        consent = page.locator("li.consent").first
        assert consent.locator(".status").inner_text() == "Pending: waiting for the ledger", "the indexer lags"
        assert consent.locator("dd.pending").inner_text() == "The receipt appears once the ledger records the consent."
        assert "Advertising tailored" not in consent.inner_text()  # no on-chain facts until mirrored
        assert any(text.startswith("trustledger pairwise identity") for text in signed), "derived from the wallet"
        consent_id = consent.get_attribute("data-consent-id")
        screenshot(page, "wallet-phone-pending")

        world.settle()
        record = world.consents.functions.consentRecord(consent_id).call()
        assert record[0] == pairwise, "the page derived the same pairwise key as the Python reference"
        assert world.read(advertiser, pairwise).status_code == 200
        # Sign out: the server ends the session, the page reloads with nothing of it in memory.
        first_session = tokens[-1]
        assert world.client.get("/v1/subjects/me/export", headers={"X-Subject-Session": first_session}).status_code == 200
        with page.expect_navigation():
            page.click("#sign-out")
        refused = world.client.get("/v1/subjects/me/export", headers={"X-Subject-Session": first_session})
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "subject_session_unknown"
        assert page.is_visible("#connect-button") and page.is_hidden("#sign-out") and page.is_hidden("#signed-in")
        assert page.get_attribute("#wallet-status", "data-state") != "signed-in"
        page.click("#connect-button")
        page.wait_for_selector("li.consent .status.active")
        consent = page.locator("li.consent").first
        assert consent.locator(".status").inner_text() == "Active"
        expiry = datetime.fromtimestamp(world.consents.functions.consentRecord(consent_id).call()[1],
                                        ZoneInfo("Asia/Shanghai"))
        expires = consent.locator("dd").nth(2).inner_text()
        assert expires == f"{expiry.day} {expiry:%b %Y, %H:%M}", "en-GB format, in the viewer's time zone"
        receipt = consent.locator("a.receipt")
        assert receipt.get_attribute("href") == f"/v1/consents/{consent_id}/receipt"
        assert page.request.get(base + receipt.get_attribute("href")).status == 200
        assert card.locator(".offer-state").inner_text() == "You have an active consent for this offer."
        rows = page.locator("#access-log tbody tr")
        assert rows.count() == 1
        cells = rows.first.locator("td").all_inner_texts()
        assert cells[1:] == [HOSTILE_NAME, "Advertising tailored to your profile", "Age band, Country, Interests",
                             "Disclosed"]
        assert page.evaluate("window.__pwned") is None, "names rendered by the page stay text too"
        assert axe_violations(page) == []
        screenshot(page, "wallet-phone-signed-in")

        with page.expect_download() as download_info:
            page.click("#export-button")
        download = download_info.value
        assert download.suggested_filename.startswith("trustledger-export-")
        exported = json.loads(Path(download.path()).read_text())
        assert exported["subject"]["wallet"] == wallet.address and exported["profile"] == PROFILE
        assert [(c["consent_id"], c["status"]) for c in exported["consents"]] == [(consent_id, "active")]

        consent.locator("button.withdraw").click()
        page.wait_for_selector("li.consent .status.withdrawn")
        assert page.inner_text("#toast") == "Withdrawn. Your data is refused to this advertiser from now on."
        assert world.read(advertiser, pairwise).status_code == 403

        page.click("#erase-button")
        assert page.is_visible("#erase-confirm") and page.is_disabled("#erase-go")
        assert page.inner_text("#erase-statement") == "Erase all my data held by trustledger and withdraw my consents."
        assert axe_violations(page) == []
        screenshot(page, "wallet-phone-erase-confirm")
        page.check("#erase-understood")
        page.click("#erase-go")
        page.wait_for_selector("#erased:not([hidden])")
        assert page.inner_text("#erased-summary") == "1 consents were withdrawn and your data was deleted."
        assert signed[-1].split("\n")[3] == "Erase all my data held by trustledger and withdraw my consents."
        assert world.client.get("/v1/subjects/me/export", headers=reference.headers).status_code == 401
        assert len(tokens) == 2 and tokens[1] != first_session, "signed in again with a new session"
        screenshot(page, "wallet-phone-erased")
        assert console_errors == []
        context.close()
    finally:
        server.__exit__(None, None, None)


def test_chinese_desktop_and_api_errors_shown_as_messages(world, chromium):
    advertiser, _address = world.advertiser("Acme Ads")
    world.publish_offer(advertiser)
    wallet = Account.create("desktop consumer")
    server, base = live(world)
    try:
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        install_wallet(context, wallet, world.w3.eth.chain_id, [])
        page = context.new_page()
        page.goto(f"{base}/wallet")
        assert page.get_attribute("html", "lang") == "zh-CN", "Accept-Language chose Chinese"
        assert page.inner_text("h1") == "您的数据与同意"
        page.click('form.lang button[value="en"]')
        page.wait_for_load_state()
        assert page.get_attribute("html", "lang") == "en" and page.inner_text("h1") == "Your data and consents"
        page.click('form.lang button[value="zh-CN"]')
        page.wait_for_selector("html[lang=zh-CN]")
        assert page.locator("li.offer .purpose").first.inner_text() == "根据您的个人资料定制的广告"
        assert axe_violations(page) == []
        screenshot(page, "wallet-desktop-zh")

        # Sign-out when the server cannot be reached: the page forgets the session all the same.
        tokens: list[str] = []
        page.on("request", lambda sent: tokens.append(sent.headers["x-subject-session"])
                if "x-subject-session" in sent.headers else None)
        page.click("#connect-button")
        page.wait_for_selector("#wallet-status[data-state=signed-in]")
        page.route("**/v1/subjects/session", lambda route: route.abort() if route.request.method == "DELETE"
                   else route.continue_())
        with page.expect_navigation():
            page.click("#sign-out")
        assert page.is_visible("#connect-button") and page.is_hidden("#signed-in")
        assert page.evaluate("document.querySelectorAll('li.consent').length") == 0
        kept = world.client.get("/v1/subjects/me/export", headers={"X-Subject-Session": tokens[-1]})
        assert kept.status_code == 200, "the call failed, so the server still knows the session (it lapses)"
        page.unroute("**/v1/subjects/session")

        # A refused call shows the API's message: here the CSRF check, with the token removed.
        page.evaluate("document.querySelector('meta[name=csrf-token]').setAttribute('content', 'forged')")
        page.click("#connect-button")
        page.wait_for_selector("#toast.error")
        toast = page.inner_text("#toast")
        assert "CSRF" in toast and "{" not in toast
        context.close()
    finally:
        server.__exit__(None, None, None)
