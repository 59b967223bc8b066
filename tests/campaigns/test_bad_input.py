"""Bad requests get a coded 4xx and queue nothing: unknown or disallowed tokens, amounts that are not
non-negative integers, malformed terms, windows and attesters the escrow would refuse."""

import json

import pytest
from eth_account import Account
from sqlmodel import Session, func, select

from backend.campaigns.terms import SCHEMA_PATH
from backend.api.errors import status_of
from backend.campaigns.errors import CampaignError
from backend.campaigns.models import Campaign
from backend.campaigns.signed_transactions import decode_signed
from backend.chain.deploy import CHALLENGE_BOND
from backend.chain.outbox import OutboxTransaction
from backend.core.db import engine_for
from tests.campaigns.support import UNIT, keyed


def counts(settings) -> tuple[int, int]:
    with Session(engine_for(settings.database_url)) as session:
        return (
            session.exec(select(func.count()).select_from(OutboxTransaction)).one(),
            session.exec(select(func.count()).select_from(Campaign)).one(),
        )


def refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code, response.text
    return response.json()["error"]


BAD_AMOUNTS = [-1, 1.5, 1.0, 1e6, "1.5", "-1", "1e3", "0x10", " 5", "", True, None, [], 2**96]


def test_campaign_creation_refuses_bad_input_with_reasons(chain_api):
    advertiser = chain_api.funded_advertiser()
    before = counts(chain_api.settings)

    def create(**changes):
        return chain_api.client.post("/v1/campaigns", json=chain_api.campaign_body(**changes), headers=keyed(advertiser.headers))

    error = refused(create(token="XYZ"), 422, "unknown_token")
    assert error["details"] == ["tUSD", "tEUR"]
    for amount in BAD_AMOUNTS:
        error = refused(create(budget=amount), 422, "invalid_request")
        assert error["details"][0]["location"] == ["body", "budget"], amount
    malformed = {
        "not an object": ("x", [("", "'x' is not of type 'object'")]),
        "no pricing": ({"version": 1}, [("pricing", "is required")]),
        "float price": ({"version": 1, "pricing": {"cpm": 2.5}}, [("pricing.cpm", "must be an integer (base units, no decimals or strings)")]),
        "string price": ({"version": 1, "pricing": {"cpc": "100"}}, [("pricing.cpc", "must be an integer (base units, no decimals or strings)")]),
        "negative price": ({"version": 1, "pricing": {"cpa": -5}}, [("pricing.cpa", "-5 is less than the minimum of 1")]),
        "unknown field": ({"version": 1, "pricing": {"cpm": 1}, "fee": 3}, [("", "unknown field(s): fee")]),
    }
    for name, (terms, reasons) in malformed.items():
        error = refused(create(terms=terms), 422, "invalid_terms")
        assert [(d["field"], d["reason"]) for d in error["details"]] == reasons, name
    bonus_without_cpa = {"version": 1, "pricing": {"cpm": 1}, "conditions": {"conversion_bonus": {"target": 5, "amount": 9}}}
    assert any(d["field"] == "pricing.cpa" for d in refused(create(terms=bonus_without_cpa), 422, "invalid_terms")["details"])

    window = refused(create(challenge_window=60), 422, "invalid_challenge_window")
    assert window["details"] == {"minimum": 3_600, "maximum": 30 * 86_400}
    refused(create(ends_at="2020-01-01T00:00:00+00:00"), 422, "end_time_in_past")
    refused(create(ends_at="tomorrow"), 422, "invalid_request")
    stranger = Account.create().address
    assert refused(create(attesters=[stranger]), 422, "attester_not_active")["details"] == [stranger]
    attester = Account.from_key(chain_api.settings.attester_private_key.get_secret_value()).address
    refused(create(attesters=[attester, attester]), 422, "duplicate_attester")
    refused(create(attesters=[attester], verifier=attester), 422, "duplicate_attester")
    refused(create(threshold=2), 422, "invalid_threshold")
    refused(create(signed_transaction="0x1234"), 422, "signed_transaction_not_expected")
    refused(create(surprise=1), 422, "invalid_request")
    assert counts(chain_api.settings) == before, "nothing was queued or stored"


def test_funding_and_tokens_refuse_bad_input(chain_api):
    advertiser = chain_api.funded_advertiser(100 * UNIT)
    created = chain_api.client.post("/v1/campaigns", json=chain_api.campaign_body(), headers=keyed(advertiser.headers))
    base = f"/v1/campaigns/{created.json()['id']}"

    def fund(amount):
        return chain_api.client.post(f"{base}/fund", json={"amount": amount}, headers=keyed(advertiser.headers))

    refused(fund(10), 409, "campaign_not_on_chain")
    chain_api.settle()
    for amount in [0, "0", *BAD_AMOUNTS]:
        error = refused(fund(amount), 422, "invalid_request")
        assert error["details"][0]["location"] == ["body", "amount"], amount
    error = refused(fund(101 * UNIT), 409, "insufficient_token_balance")
    assert error["details"] == {"balance": str(100 * UNIT), "amount": str(101 * UNIT)}
    no_key = chain_api.client.post(f"{base}/fund", json={"amount": 1}, headers=advertiser.headers)
    assert refused(no_key, 422, "invalid_request")["details"][0]["location"] == ["header", "Idempotency-Key"]

    tokens = chain_api.client.get("/v1/tokens").json()
    assert [(t["symbol"], t["allowed"], t["fee_bps"], t["challenge_bond"], t["decimals"]) for t in tokens] == [
        ("tUSD", True, 250, str(CHALLENGE_BOND), 6),
        ("tEUR", True, 250, str(CHALLENGE_BOND), 6),
    ]
    admin = chain_api.admin()
    refused(chain_api.client.post("/v1/tokens/XYZ/mint", json={"address": advertiser.address, "amount": 1}, headers=keyed(admin)), 404, "unknown_token")
    refused(chain_api.client.post("/v1/tokens/tUSD/mint", json={"amount": 1}, headers=keyed(admin)), 422, "invalid_request")
    refused(chain_api.client.post("/v1/tokens/tUSD/mint", json={"address": advertiser.address, "amount": -1}, headers=keyed(admin)), 422, "invalid_request")
    disallow = chain_api.client.put(
        "/v1/tokens/tEUR", json={"allowed": False, "fee_bps": 250, "challenge_bond": CHALLENGE_BOND}, headers=keyed(admin)
    )
    assert disallow.status_code == 200, disallow.text
    refused(chain_api.client.put("/v1/tokens/tEUR", json={"allowed": True, "fee_bps": 1001, "challenge_bond": 0}, headers=keyed(admin)), 422, "invalid_request")
    chain_api.settle()
    assert [t["allowed"] for t in chain_api.client.get("/v1/tokens").json()] == [True, False]
    response = chain_api.client.post("/v1/campaigns", json=chain_api.campaign_body(token="tEUR"), headers=keyed(advertiser.headers))
    refused(response, 422, "token_not_allowed")


def test_the_terms_schema_is_published(api):
    response = api.client.get("/v1/schemas/campaign-terms.v1.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/schema+json"
    assert response.json() == json.loads(SCHEMA_PATH.read_text())


@pytest.mark.parametrize("raw", ["0x", "0x00", "0x02c0", "0xf8"])
def test_garbage_signed_transactions_are_bad_input(raw):
    with pytest.raises(CampaignError) as excinfo:
        decode_signed(raw)
    assert (status_of(excinfo.value), excinfo.value.code) == (422, "invalid_signed_transaction")
