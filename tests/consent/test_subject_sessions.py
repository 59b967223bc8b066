"""Consumer sessions: sign-out (DELETE /v1/subjects/session) ends the session it names and no other.

No chain is needed: signing in enrols the consumer off chain, and the export's off-chain part
is all a session reads here (`PUT /v1/subjects/me/data` answers with the stored profile).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from eth_account import Account

from backend.core.config import Settings
from backend.identity.models import utcnow
from backend.keys import MasterKey
from tests.api.conftest import api_settings  # noqa: F401  (fixture)
from tests.api.support import signed, siwe_message

WALLET = Account.from_key("0x" + "6b" * 32)
PROFILE = {"country": "DE"}


@pytest.fixture
def consumer_api(make_api, api_settings):
    settings = Settings(**(api_settings.model_dump() | {"master_key": MasterKey.generate().to_base64()}))
    return make_api(settings)


def sign_in(api, *, expiration_time=None) -> str:
    nonce = api.client.post("/v1/auth/nonce").json()["nonce"]
    terms = {"expiration_time": expiration_time} if expiration_time else {}
    response = api.client.post("/v1/subjects/session", json=signed(siwe_message(WALLET, nonce, **terms), WALLET))
    assert response.status_code == 201, response.text
    return response.json()["token"]


def share(api, token: str):
    return api.client.put("/v1/subjects/me/data", json=PROFILE, headers={"X-Subject-Session": token})


def sign_out(api, token: str):
    return api.client.delete("/v1/subjects/session", headers={"X-Subject-Session": token})


def refused(response, code: str) -> None:
    assert response.status_code == 401, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"]


def test_sign_out_ends_this_session_only(consumer_api):
    phone, laptop = sign_in(consumer_api), sign_in(consumer_api)
    assert share(consumer_api, phone).status_code == 200
    assert share(consumer_api, laptop).status_code == 200

    response = sign_out(consumer_api, phone)
    assert response.status_code == 204 and response.content == b""

    refused(share(consumer_api, phone), "subject_session_unknown")
    refused(consumer_api.client.get("/v1/subjects/me/export", headers={"X-Subject-Session": phone}),
            "subject_session_unknown")
    # The same consumer's session on another device is not ended by this sign-out.
    kept = share(consumer_api, laptop)
    assert kept.status_code == 200 and kept.json() == PROFILE
    # Signing out twice: the token is now unknown.
    refused(sign_out(consumer_api, phone), "subject_session_unknown")
    assert sign_out(consumer_api, laptop).status_code == 204
    refused(share(consumer_api, laptop), "subject_session_unknown")


def test_sign_out_refuses_a_bad_missing_or_expired_token(consumer_api):
    refused(sign_out(consumer_api, "tls_" + "x" * 43), "subject_session_unknown")
    refused(sign_out(consumer_api, "not-a-token"), "subject_session_unknown")
    # Without the header at all it is a malformed request, as on every other subject route.
    missing = consumer_api.client.delete("/v1/subjects/session")
    assert missing.status_code == 422, missing.text
    assert missing.json()["error"]["details"][0]["location"] == ["header", "X-Subject-Session"]

    ends = utcnow() + timedelta(minutes=5)
    token = sign_in(consumer_api, expiration_time=ends)
    consumer_api.clock.fixed = ends + timedelta(seconds=1)
    refused(sign_out(consumer_api, token), "subject_session_expired")
    consumer_api.clock.fixed = None
