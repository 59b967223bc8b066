"""The real path: API -> outbox (same transaction) -> the one sender -> ParticipantRegistry on anvil."""

from datetime import timedelta

from eth_account import Account
from sqlmodel import Session, select

from backend.api.routes.participants import custodial_key_creator
from backend.chain.local_node import dev_private_keys
from backend.chain.outbox import OutboxStatus, OutboxTransaction
from backend.chain.sender import drain_outbox
from backend.core.config import Settings
from backend.core.db import engine_for
from backend.identity.models import utcnow
from backend.identity.ports import outbox_enqueue
from backend.identity.roles import Role
from backend.keys import MasterKey
from tests.api.conftest import write_manifest
from tests.api.support import BASE_URL, BOTH_DATABASES
from tests.factories import Role as ChainRole

ADMIN_KEY = dev_private_keys(1)[0]


def outbox_rows(settings) -> list[OutboxTransaction]:
    with Session(engine_for(settings.database_url)) as session:
        return list(session.exec(select(OutboxTransaction).order_by(OutboxTransaction.id)))


@BOTH_DATABASES
def test_approval_and_suspension_reach_the_registry(make_api, database_url, tmp_path, anvil_node, w3, registry):
    settings = Settings(
        environment="test",
        database_url=database_url,
        rpc_url=anvil_node.url,
        manifest_path=write_manifest(tmp_path / "deployment.json", registry.address, chain_id=w3.eth.chain_id),
        deployer_private_key=ADMIN_KEY,
        master_key=MasterKey.generate().to_base64(),
        public_base_url=BASE_URL,
    )
    api = make_api(settings)
    del api.app.dependency_overrides[outbox_enqueue]
    del api.app.dependency_overrides[custodial_key_creator]
    admin = api.identity(Role.ADMIN, Role.KYC_OFFICER, address=Account.from_key(ADMIN_KEY).address)

    created = api.client.post(
        "/v1/participants",
        json={"display_name": "Chain Advertiser", "requested_roles": ["advertiser"], "custody_mode": "custodial"},
    )
    assert created.status_code == 201, created.text
    participant = created.json()["participant"]
    account = participant["chain_address"]

    body = {"roles": ["advertiser"], "kyc_expires_at": (utcnow() + timedelta(days=365)).isoformat()}
    approved = api.client.post(
        f"/v1/participants/{participant['id']}/approve", json=body, headers={**admin.headers, "Idempotency-Key": "1"}
    )
    assert approved.status_code == 200, approved.text
    rows = outbox_rows(settings)
    assert [(r.kind, r.status) for r in rows] == [
        ("ParticipantRegistry.setRoles", OutboxStatus.QUEUED),
        ("ParticipantRegistry.setKyc", OutboxStatus.QUEUED),
    ]
    assert not registry.functions.isActive(account, ChainRole.ADVERTISER).call(), "nothing mined yet"

    drain_outbox(settings, timeout=30)
    assert {r.status for r in outbox_rows(settings)} == {OutboxStatus.MINED}
    assert registry.functions.isActive(account, ChainRole.ADVERTISER).call()
    assert not registry.functions.isActive(account, ChainRole.PUBLISHER).call()

    key = created.json()["api_keys"][0]["key"]
    assert api.client.get("/v1/participants/me", headers={"X-API-Key": key}).status_code == 200
    suspended = api.client.post(
        f"/v1/participants/{participant['id']}/suspend", headers={**admin.headers, "Idempotency-Key": "2"}
    )
    assert suspended.status_code == 200
    assert api.client.get("/v1/participants/me", headers={"X-API-Key": key}).status_code == 403
    assert registry.functions.isActive(account, ChainRole.ADVERTISER).call(), "the API refused before the chain knew"
    drain_outbox(settings, timeout=30)
    assert not registry.functions.isActive(account, ChainRole.ADVERTISER).call()
    assert registry.functions.participant(account).call()[1] is True
