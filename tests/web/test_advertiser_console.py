"""The advertiser console without a browser: the page shell (CSP, sign-in block, both languages,
no data rendered server-side), and the form code (web/lib/campaign-form.js, run in node) mapping
the API's real refusals of a campaign to the form's fields."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pydantic import ValidationError

from backend.campaigns.schemas import CampaignCreate
from backend.campaigns.terms import validate_terms
from backend.web import i18n
from backend.web.render import environment
from tests.web.test_pages import client  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
HOSTILE = '<script>alert("campaign")</script>'


def test_the_console_is_a_shell_with_the_sign_in_block_and_a_strict_csp(client):  # noqa: F811
    response = client.get("/console/advertiser")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    html = response.text
    assert '<h1>Advertiser console</h1>' in html
    assert 'id="signin-key-form"' in html and 'id="create-form"' in html
    assert '<link rel="stylesheet" href="/static/dist/advertiser.css">' in html, "uPlot's stylesheet"
    assert re.findall(r"<script[^>]*>", html) == ['<script type="module" src="/static/dist/advertiser.js">',
                                                  '<script type="application/json" id="page-data">']
    # Every error slot of the form names the request field the API's refusals are mapped to.
    slots = set(re.findall(r'data-error-for="([^"]+)"', html))
    assert {"name", "budget", "ends_at", "token", "terms", "terms.pricing", "terms.pricing.cpm",
            "terms.pricing.cpc", "terms.pricing.cpa", "terms.conditions.attribution_window_days", "amount"} <= slots
    data = json.loads(html.split('id="page-data">', 1)[1].split("</script>", 1)[0])
    assert data["termsSchema"] == "/v1/schemas/campaign-terms.v1.json"
    assert data["messages"]["advertiser.campaigns.empty"].startswith("You have no campaigns")


def test_the_console_speaks_simplified_chinese(client):  # noqa: F811
    html = client.get("/console/advertiser?lang=zh-CN").text
    assert '<html lang="zh-CN">' in html and "<h1>广告主控制台</h1>" in html and "创建广告活动" in html


def test_the_advertiser_catalogs_have_the_same_keys_all_prefixed():
    english, chinese = (json.loads((i18n.MESSAGES / "advertiser" / f"{name}.json").read_text()) for name in ("en", "zh-CN"))
    assert english.keys() == chinese.keys() and len(english) > 60
    assert all(key.startswith("advertiser.") for key in english)
    for key, text in english.items():
        assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", chinese[key])), key


def test_a_script_in_a_message_or_page_data_is_rendered_as_text():
    """Campaign names reach the page only through textContent (the browser test proves it); what the
    server does render — messages and page data — is escaped."""
    html = environment().get_template("advertiser/console.html").render(
        t=lambda key, **_: HOSTILE, locale="en", locales=i18n.LOCALES, csrf_token="x" * 43, title=HOSTILE,
        module="advertiser", static="/static", path="/console/advertiser",
        page_data={"locale": "en", "messages": {}, "termsSchema": HOSTILE})
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;campaign&#34;)&lt;/script&gt;" in html
    assert "\\u003cscript\\u003e" in html.split('id="page-data">', 1)[1]


SCRIPT = """
import { readFileSync } from "node:fs";
import { fieldErrors, parseAmount } from "./web/lib/campaign-form.js";
const input = JSON.parse(readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify({
  amounts: input.amounts.map(([text, decimals]) => parseAmount(text, decimals)),
  errors: input.errors.map(fieldErrors),
}));
"""


def run_js(payload: dict) -> dict:
    done = subprocess.run([NODE, "--input-type=module", "-e", SCRIPT], input=json.dumps(payload), cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def request_details(body: dict) -> list[dict]:
    """The details of the API's 422 for `body`, as backend/api/errors.py writes them."""
    with pytest.raises(ValidationError) as caught:
        CampaignCreate.model_validate(body)
    return [{"location": ["body", *error["loc"]], "reason": error["msg"], "type": error["type"]}
            for error in caught.value.errors()]


@pytest.mark.skipif(NODE is None, reason="node needed")
def test_amounts_and_the_apis_refusals_map_to_the_form_fields():
    terms_details = [{"field": e.field, "reason": e.reason}
                     for e in validate_terms({"version": 1, "pricing": {}, "conditions": {"attribution_window_days": 0}})]
    request = request_details({"name": "", "token": "tUSD", "budget": "-1", "terms": {}, "ends_at": "soon"})
    out = run_js({
        "amounts": [["12.5", 6], ["0,000001", 6], ["1.0000001", 6], ["-1", 6], ["abc", 6], ["7", 0], ["", 6]],
        "errors": [
            {"code": "invalid_terms", "details": terms_details},
            {"code": "invalid_request", "details": request},
            {"code": "end_time_in_past", "message": "ends_at must lie after the chain's time"},
            {"code": "not_found", "message": "no campaign"},
        ],
    })
    assert out["amounts"] == ["12500000", "1", None, None, None, "7", None]
    terms, invalid, past, unrelated = out["errors"]
    assert set(terms) == {"terms.pricing", "terms.conditions.attribution_window_days"}
    assert terms["terms.pricing"] == ["needs at least one of: cpm, cpc, cpa"]
    assert set(invalid) == {"name", "budget", "ends_at"}
    assert past == {"ends_at": ["ends_at must lie after the chain's time"]}
    assert unrelated is None
