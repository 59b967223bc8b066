"""API keys: shown once, stored hashed, scoped to one participant and one role, revocable."""

import hashlib
import uuid
from datetime import timedelta

from sqlmodel import Session, select

from backend.core.db import engine_for
from backend.identity.models import ApiKey, utcnow
from backend.identity.roles import Role


def test_create_use_list_and_revoke(api):
    advertiser = api.identity(Role.ADVERTISER)
    created = api.client.post("/v1/auth/api-keys", json={"label": "reporting job"}, headers=advertiser.headers)
    assert created.status_code == 201, created.text
    key = created.json()
    assert key["role"] == "advertiser" and key["label"] == "reporting job" and key["revoked_at"] is None
    assert key["key"].startswith(f"tlk_{key['prefix']}_")

    # Either header works.
    me = api.client.get("/v1/participants/me", headers={"X-API-Key": key["key"]})
    assert me.status_code == 200 and me.json()["id"] == str(advertiser.participant_id)

    listed = api.client.get("/v1/auth/api-keys", headers=advertiser.headers).json()
    assert {k["prefix"] for k in listed} == {advertiser.key.split("_")[1], key["prefix"]}
    assert all("key" not in k and "secret_hash" not in k for k in listed), "secrets are shown once only"

    revoked = api.client.delete(f"/v1/auth/api-keys/{key['id']}", headers=advertiser.headers)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    refused = api.client.get("/v1/participants/me", headers={"X-API-Key": key["key"]})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "credential_revoked"
    assert api.client.get("/v1/participants/me", headers=advertiser.headers).status_code == 200, "other keys live on"


def test_keys_are_stored_as_sha256_of_the_secret_only(api):
    publisher = api.identity(Role.PUBLISHER)
    _, prefix, secret = publisher.key.split("_", 2)
    with Session(engine_for(api.settings.database_url)) as session:
        row = session.exec(select(ApiKey).where(ApiKey.prefix == prefix)).one()
        assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in " ".join(str(getattr(row, column.name)) for column in ApiKey.__table__.columns)


def test_a_key_only_mints_keys_for_its_own_role(api):
    both = api.identity(Role.ADVERTISER, Role.PUBLISHER, key_role=Role.PUBLISHER)
    refused = api.client.post("/v1/auth/api-keys", json={"role": "advertiser"}, headers=both.headers)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "role_not_allowed"
    allowed = api.client.post("/v1/auth/api-keys", json={"role": "publisher"}, headers=both.headers)
    assert allowed.status_code == 201


def test_admin_issues_keys_for_held_roles_only(api, admin_identity):
    brand = api.identity(Role.BRAND)
    url = f"/v1/participants/{brand.participant_id}/api-keys"
    not_held = api.client.post(url, json={"role": "publisher"}, headers=admin_identity.headers)
    assert not_held.status_code == 422 and not_held.json()["error"]["code"] == "role_not_held"
    issued = api.client.post(url, json={"role": "brand"}, headers=admin_identity.headers)
    assert issued.status_code == 201
    assert api.client.get("/v1/participants/me", headers={"X-API-Key": issued.json()["key"]}).json()["id"] == str(
        brand.participant_id
    )


def test_expiring_keys_stop_at_their_expiry(api):
    attester = api.identity(Role.ATTESTER)
    expires = (utcnow() + timedelta(hours=1)).isoformat()
    key = api.client.post("/v1/auth/api-keys", json={"expires_at": expires}, headers=attester.headers).json()["key"]
    assert api.client.get("/v1/participants/me", headers={"X-API-Key": key}).status_code == 200
    api.clock.fixed = utcnow() + timedelta(hours=2)
    expired = api.client.get("/v1/participants/me", headers={"X-API-Key": key})
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "credential_expired"


def test_unknown_and_malformed_credentials_are_401(api):
    auditor = api.identity(Role.AUDITOR)
    scheme, prefix, secret = auditor.key.split("_", 2)
    cases = {
        "unauthenticated": [{}, {"Authorization": f"Basic {auditor.key}"}, {"Authorization": "Bearer "}],
        "invalid_credentials": [
            {"Authorization": "Bearer nonsense"},
            {"Authorization": f"Bearer {scheme}_{prefix}_{secret[:-1]}x"},
            {"Authorization": f"Bearer {scheme}_0000000000000000_{secret}"},
            {"X-API-Key": f"sk_{prefix}_{secret}"},
        ],
    }
    for code, header_sets in cases.items():
        for headers in header_sets:
            response = api.client.get("/v1/participants/me", headers=headers)
            assert response.status_code == 401, headers
            assert response.json()["error"]["code"] == code, headers


def test_revoking_is_tenant_scoped_and_logout_ends_the_session(api, admin_identity):
    advertiser = api.identity(Role.ADVERTISER)
    other = api.identity(Role.ADVERTISER)
    other_key = api.client.get("/v1/auth/api-keys", headers=other.headers).json()[0]["id"]
    foreign = api.client.delete(f"/v1/auth/api-keys/{other_key}", headers=advertiser.headers)
    unknown = api.client.delete(f"/v1/auth/api-keys/{uuid.uuid4()}", headers=advertiser.headers)
    assert foreign.status_code == unknown.status_code == 404
    assert api.client.get("/v1/participants/me", headers=other.headers).status_code == 200

    assert api.client.delete(f"/v1/auth/api-keys/{other_key}", headers=admin_identity.headers).status_code == 200
    assert api.client.get("/v1/participants/me", headers=other.headers).status_code == 401

    assert api.client.post("/v1/auth/logout", headers=advertiser.headers).status_code == 204
    assert api.client.get("/v1/participants/me", headers=advertiser.headers).json()["error"]["code"] == "credential_revoked"
