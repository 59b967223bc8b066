"""Onboarding, approval, suspension and KYC through the API, and the registry calls each queues."""

import uuid
from datetime import datetime, timedelta

import pytest
from eth_account import Account
from sqlmodel import Session

from backend.core.db import engine_for
from backend.identity.chain import KYC_OFFICER_ROLE
from backend.identity.models import Participant, utcnow
from backend.identity.roles import Role
from backend.chain.local_node import dev_private_keys
from tests.api.conftest import PLACEHOLDER_REGISTRY
from tests.api.support import BOTH_DATABASES, signed, siwe_message

ADMIN_ADDRESS = Account.from_key(dev_private_keys(1)[0]).address


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def idem(identity, key: str) -> dict[str, str]:
    return {**identity.headers, "Idempotency-Key": key}


def approval(*roles: str, days: int = 365) -> dict:
    return {"roles": list(roles), "kyc_expires_at": (utcnow() + timedelta(days=days)).isoformat()}


def apply_custodial(api, *roles: str, name: str = "Acme Ads") -> dict:
    response = api.client.post(
        "/v1/participants", json={"display_name": name, "requested_roles": list(roles), "custody_mode": "custodial"}
    )
    assert response.status_code == 201, response.text
    return response.json()


@BOTH_DATABASES
def test_onboarding_then_approval_queues_roles_and_kyc_on_chain(api, admin_identity):
    created = apply_custodial(api, "advertiser", "publisher")
    participant = created["participant"]
    address = api.custody.owners[f"participant:{participant['id']}"]
    assert participant["status"] == "pending" and participant["chain_address"] == address
    assert participant["roles"] == [] and participant["requested_roles"] == ["advertiser", "publisher"]
    keys = {k["role"]: k["key"] for k in created["api_keys"]}
    assert set(keys) == {"advertiser", "publisher"} and all(k.startswith("tlk_") for k in keys.values())

    # Pending: the applicant reads its own record, nothing else.
    assert api.client.get("/v1/participants/me", headers=bearer(keys["advertiser"])).json()["status"] == "pending"
    refused = api.client.get("/v1/auth/api-keys", headers=bearer(keys["advertiser"]))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "participant_pending"
    assert api.outbox.calls == []

    body = approval("advertiser", days=30)
    approved = api.client.post(f"/v1/participants/{participant['id']}/approve", json=body, headers=idem(admin_identity, "a1"))
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["roles"] == ["advertiser"]

    expiry = int(datetime.fromisoformat(body["kyc_expires_at"]).timestamp())
    assert api.outbox.decoded() == [
        ("setRoles", {"account": address, "roles": 0b1}),
        ("setKyc", {"account": address, "kycExpiry": expiry}),
    ]
    for call in api.outbox.calls:
        assert call["sender"] == ADMIN_ADDRESS and call["to"] == PLACEHOLDER_REGISTRY
        assert call["reference"] == f"participant:{participant['id']}" and call["value"] == 0
    assert [c["kind"] for c in api.outbox.calls] == ["ParticipantRegistry.setRoles", "ParticipantRegistry.setKyc"]

    # The granted role's key now works; the requested-but-not-granted one does not.
    assert api.client.get("/v1/auth/api-keys", headers=bearer(keys["advertiser"])).status_code == 200
    publisher = api.client.get("/v1/participants/me", headers=bearer(keys["publisher"]))
    assert publisher.status_code == 403 and publisher.json()["error"]["code"] == "role_not_granted"


def test_non_custodial_onboarding_proves_the_wallet_with_siwe(api, admin_identity):
    wallet = Account.create()

    def application(address=None, signer=wallet):
        nonce = api.client.post("/v1/auth/nonce").json()["nonce"]
        body = {
            "display_name": "Wallet Publisher",
            "requested_roles": ["publisher"],
            "custody_mode": "non_custodial",
            "siwe": signed(siwe_message(signer, nonce), signer),
        }
        if address:
            body["address"] = address
        return body

    mismatch = api.client.post("/v1/participants", json=application(address=Account.create().address))
    assert mismatch.status_code == 401 and mismatch.json()["error"]["code"] == "siwe_address_mismatch"

    body = application(address=wallet.address)
    created = api.client.post("/v1/participants", json=body)
    assert created.status_code == 201, created.text
    participant = created.json()["participant"]
    assert participant["chain_address"] == wallet.address and participant["custody_mode"] == "non_custodial"
    assert api.custody.owners == {}, "no custodial key for a non-custodial participant"

    replay = api.client.post("/v1/participants", json=body)
    assert replay.status_code == 401 and replay.json()["error"]["code"] == "siwe_nonce_used"
    taken = api.client.post("/v1/participants", json=application())
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "address_taken"

    approved = api.client.post(
        f"/v1/participants/{participant['id']}/approve", json=approval("publisher"), headers=idem(admin_identity, "w")
    )
    assert approved.status_code == 200
    assert api.outbox.decoded()[0] == ("setRoles", {"account": wallet.address, "roles": 0b10})


def test_platform_roles_are_granted_in_access_control(api, admin_identity):
    created = apply_custodial(api, "auditor", "kyc_officer", name="Compliance desk")
    pid = created["participant"]["id"]
    response = api.client.post(
        f"/v1/participants/{pid}/approve", json=approval("auditor", "kyc_officer"), headers=idem(admin_identity, "k")
    )
    assert response.status_code == 200
    address = created["participant"]["chain_address"]
    calls = api.outbox.decoded()
    assert calls[0] == ("setRoles", {"account": address, "roles": 0b100000}), "only business bits go to setRoles"
    assert calls[2] == ("grantRole", {"role": KYC_OFFICER_ROLE, "account": address})
    officer_key = next(k["key"] for k in created["api_keys"] if k["role"] == "kyc_officer")
    listed = api.client.get("/v1/participants?status=approved", headers=bearer(officer_key))
    assert listed.status_code == 200 and pid in {p["id"] for p in listed.json()}


@BOTH_DATABASES
def test_suspension_takes_effect_before_the_chain_confirms(api, admin_identity):
    advertiser = api.identity(Role.ADVERTISER)
    officer = api.identity(Role.KYC_OFFICER)
    assert api.client.get("/v1/participants/me", headers=advertiser.headers).status_code == 200

    suspended = api.client.post(
        f"/v1/participants/{advertiser.participant_id}/suspend", headers=idem(officer, "s1")
    )
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    assert api.outbox.decoded() == [("suspend", {"account": advertiser.address})]
    # The outbox row is only queued (nothing mined), and the API refuses already.
    for path in ("/v1/participants/me", f"/v1/participants/{advertiser.participant_id}", "/v1/auth/api-keys"):
        refused = api.client.get(path, headers=advertiser.headers)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "participant_suspended"

    again = api.client.post(f"/v1/participants/{advertiser.participant_id}/suspend", headers=idem(officer, "s2"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "participant_not_approved"

    lifted = api.client.post(f"/v1/participants/{advertiser.participant_id}/unsuspend", headers=idem(officer, "u1"))
    assert lifted.status_code == 200 and lifted.json()["status"] == "approved"
    assert api.outbox.decoded()[-1] == ("unsuspend", {"account": advertiser.address})
    assert api.client.get("/v1/participants/me", headers=advertiser.headers).status_code == 200


def test_officer_limits(api, admin_identity):
    officer = api.identity(Role.KYC_OFFICER)
    pending = apply_custodial(api, "brand")["participant"]["id"]

    cannot_approve = api.client.post(f"/v1/participants/{pending}/approve", json=approval("brand"), headers=idem(officer, "x"))
    assert cannot_approve.status_code == 403 and cannot_approve.json()["error"]["code"] == "role_not_allowed"
    admin_target = api.client.post(f"/v1/participants/{admin_identity.participant_id}/suspend", headers=idem(officer, "y"))
    assert admin_target.status_code == 403
    self_target = api.client.post(f"/v1/participants/{officer.participant_id}/suspend", headers=idem(officer, "z"))
    assert self_target.status_code == 409 and self_target.json()["error"]["code"] == "cannot_suspend_self"
    not_approved = api.client.post(f"/v1/participants/{pending}/suspend", headers=idem(officer, "w"))
    assert not_approved.status_code == 409 and not_approved.json()["error"]["code"] == "participant_not_approved"

    first = api.client.post(f"/v1/participants/{pending}/approve", json=approval("brand"), headers=idem(admin_identity, "1"))
    assert first.status_code == 200
    second = api.client.post(f"/v1/participants/{pending}/approve", json=approval("brand"), headers=idem(admin_identity, "2"))
    assert second.status_code == 409 and second.json()["error"]["code"] == "participant_not_pending"
    assert [name for name, _ in api.outbox.decoded()] == ["setRoles", "setKyc"], "refused calls queue nothing"


def test_expired_kyc_is_refused_until_renewed(api, admin_identity):
    publisher = api.identity(Role.PUBLISHER, kyc_expires_at=utcnow() + timedelta(days=1))
    assert api.client.get("/v1/auth/api-keys", headers=publisher.headers).status_code == 200
    api.clock.fixed = utcnow() + timedelta(days=2)
    expired = api.client.get("/v1/auth/api-keys", headers=publisher.headers)
    assert expired.status_code == 403 and expired.json()["error"]["code"] == "kyc_expired"
    assert api.client.get("/v1/participants/me", headers=publisher.headers).status_code == 200, "may still see itself"

    renewal = {"kyc_expires_at": (utcnow() + timedelta(days=400)).isoformat()}
    renewed = api.client.post(f"/v1/participants/{publisher.participant_id}/kyc", json=renewal, headers=idem(admin_identity, "r"))
    assert renewed.status_code == 200, renewed.text
    assert api.outbox.decoded()[-1][0] == "setKyc"
    assert api.client.get("/v1/auth/api-keys", headers=publisher.headers).status_code == 200


@pytest.mark.parametrize(
    "body, location",
    [
        ({"requested_roles": ["advertiser"], "custody_mode": "custodial"}, ["body", "display_name"]),
        ({"display_name": "  ", "requested_roles": ["advertiser"], "custody_mode": "custodial"}, ["body", "display_name"]),
        ({"display_name": "A", "requested_roles": [], "custody_mode": "custodial"}, ["body", "requested_roles"]),
        ({"display_name": "A", "requested_roles": ["emperor"], "custody_mode": "custodial"}, ["body", "requested_roles", 0]),
        ({"display_name": "A", "requested_roles": ["brand"], "custody_mode": "shared"}, ["body", "custody_mode"]),
        ({"display_name": "A", "requested_roles": ["brand"], "custody_mode": "non_custodial"}, ["body"]),
        ({"display_name": "A", "requested_roles": ["brand"], "custody_mode": "custodial", "address": "0x" + "1" * 40}, ["body"]),
        ({"display_name": "A", "requested_roles": ["brand"], "custody_mode": "custodial", "vip": True}, ["body", "vip"]),
    ],
)
def test_malformed_applications_are_422_with_reasons(api, body, location):
    response = api.client.post("/v1/participants", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert any(detail["location"] == location and detail["reason"] for detail in error["details"]), error


def test_bad_approvals_are_refused_without_side_effects(api, admin_identity):
    pid = apply_custodial(api, "attester")["participant"]["id"]
    url = f"/v1/participants/{pid}/approve"
    naive = api.client.post(url, json={"roles": ["attester"], "kyc_expires_at": "2030-01-01T00:00:00"}, headers=idem(admin_identity, "n"))
    assert naive.status_code == 422 and naive.json()["error"]["details"][0]["location"] == ["body", "kyc_expires_at"]
    past = api.client.post(url, json=approval("attester", days=-1), headers=idem(admin_identity, "p"))
    assert past.status_code == 422 and past.json()["error"]["code"] == "kyc_expiry_in_past"
    not_json = api.client.post(url, content=b"{roles:", headers={**idem(admin_identity, "j"), "Content-Type": "application/json"})
    assert not_json.status_code == 422
    missing = api.client.post(f"/v1/participants/{pid}x/approve", json=approval("attester"), headers=idem(admin_identity, "m"))
    assert missing.status_code == 404
    assert api.outbox.calls == []
    with Session(engine_for(api.settings.database_url)) as session:
        assert session.get(Participant, uuid.UUID(pid)).status == "pending"


def test_missing_chain_configuration_is_503_not_500(api, admin_identity):
    api.settings.manifest_path.unlink()
    pid = apply_custodial(api, "brand")["participant"]["id"]
    response = api.client.post(f"/v1/participants/{pid}/approve", json=approval("brand"), headers=idem(admin_identity, "c"))
    assert response.status_code == 503 and response.json()["error"]["code"] == "chain_not_configured"
    nonce = api.client.post("/v1/auth/nonce")
    assert nonce.status_code == 503


def test_participants_read_only_their_own_record(api):
    advertiser = api.identity(Role.ADVERTISER)
    other = api.identity(Role.ADVERTISER)
    own = api.client.get(f"/v1/participants/{advertiser.participant_id}", headers=advertiser.headers)
    assert own.status_code == 200 and own.json()["chain_address"] == advertiser.address
    foreign = api.client.get(f"/v1/participants/{other.participant_id}", headers=advertiser.headers)
    unknown = api.client.get(f"/v1/participants/{uuid.uuid4()}", headers=advertiser.headers)
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json()["error"]["code"] == unknown.json()["error"]["code"] == "not_found"
    assert api.client.get("/v1/participants", headers=advertiser.headers).status_code == 403
