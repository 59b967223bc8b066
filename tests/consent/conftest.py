"""A consent world per test: registries on anvil, the API on its own database (SQLite, or PostgreSQL
where a test asks), the real outbox and sender, and the indexer mirroring into the same database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from eth_account import Account
from sqlmodel import Session
from web3 import Web3

from backend.chain.local_node import dev_private_keys
from backend.chain.sender import drain_outbox
from backend.consent.client import ConsumerClient, checked
from backend.core.config import Settings
from backend.core.db import engine_for
from backend.identity.ports import outbox_enqueue
from backend.identity.roles import Role
from backend.keys import MasterKey, create_custodial_key
from contracts.deployment import DeployedContract, DeploymentManifest
from indexer import Indexer, IndexerSettings
from tests.api.conftest import ApiHarness, custody, database_url, make_api, outbox  # noqa: F401  (fixtures)
from tests.api.support import BASE_URL, Identity, create_identity
from tests.factories import DAY, TOKEN_UNIT, deploy, onboard, transact
from tests.factories import Role as ChainRole

DEPLOYER_KEY, RELAYER_KEY = dev_private_keys(2)
PURPOSE = "dpv:PersonalisedAdvertising"
CATEGORIES = ["age-band", "country", "interests"]
COMPENSATION = 5 * TOKEN_UNIT
PROFILE = {"age-band": "25-34", "country": "DE", "interests": ["cycling", "jazz"], "gender": "female"}


@dataclass
class ConsentWorld:
    w3: Web3
    api: ApiHarness
    settings: Settings
    master: MasterKey
    registry: object  # ParticipantRegistry
    token: object
    consents: object  # ConsentRegistry
    dids: object  # DIDRegistry
    admin: str
    indexer: Indexer
    advertisers: list[tuple[Identity, str]] = field(default_factory=list)

    @property
    def client(self):
        return self.api.client

    def chain_now(self) -> int:
        return self.w3.eth.get_block("latest")["timestamp"]

    def sync_clock(self) -> datetime:
        """The API judges time by the chain's clock, which tests move."""
        self.api.clock.fixed = datetime.fromtimestamp(self.chain_now(), UTC)
        return self.api.clock.fixed

    def settle(self) -> None:
        """Send every queued transaction, mirror the chain up to its head, set the API's clock to the chain's."""
        drain_outbox(self.settings, timeout=60)
        self.indexer.sync_to_head(timeout=60)
        self.sync_clock()

    def advertiser(self, name: str = "Acme Ads", *, tokens: int = 1_000 * TOKEN_UNIT) -> tuple[Identity, str]:
        """An approved, custodial advertiser on chain, with gas and `tokens` tUSD; returns (identity, address)."""
        with Session(engine_for(self.settings.database_url)) as session:
            address = create_custodial_key(session, f"participant-test:{name}", master=self.master)
            session.commit()
        identity = create_identity(self.settings.database_url, Role.ADVERTISER, address=address, name=name)
        onboard(self.registry, address, ChainRole.ADVERTISER, admin=self.admin)
        transact(self.token.functions.mint(address, tokens), self.admin)
        self.w3.eth.send_transaction({"from": self.admin, "to": address, "value": Web3.to_wei(1, "ether")})
        self.advertisers.append((identity, address))
        return identity, address

    def publish_offer(
        self,
        identity: Identity,
        *,
        purpose=PURPOSE,
        categories=CATEGORIES,
        compensation=COMPENSATION,
        cap=3,
        period_seconds=30 * DAY,
    ) -> dict:
        body = {
            "purpose": purpose,
            "data_categories": categories,
            "token": "tUSD",
            "compensation": compensation,
            "cap": cap,
            "period_seconds": period_seconds,
        }
        headers = {**identity.headers, "Idempotency-Key": uuid.uuid4().hex}
        publication = checked(self.client.post("/v1/offers", json=body, headers=headers), 202).json()
        self.settle()
        status = checked(
            self.client.get(f"/v1/offers/publications/{publication['publication_id']}", headers=identity.headers)
        ).json()
        assert status["offer_id"] is not None, status
        return checked(self.client.get(f"/v1/offers/{status['offer_id']}")).json()

    def consumer(self, label: str) -> ConsumerClient:
        consumer = ConsumerClient(self.client, Account.create(label), clock=lambda: self.api.clock().timestamp())
        consumer.sign_in()
        return consumer

    def read(self, identity: Identity, subject: str, purpose: str = PURPOSE, fields: str | None = None):
        params = {"purpose": purpose} | ({"fields": fields} if fields else {})
        return self.client.get(f"/v1/subjects/{subject}/data", params=params, headers=identity.headers)


@pytest.fixture
def world(make_api, database_url, tmp_path, anvil_node, w3, registry, token, admin) -> Iterator[ConsentWorld]:
    consents = deploy(w3, "ConsentRegistry", registry.address)
    dids = deploy(w3, "DIDRegistry")
    start = w3.eth.block_number
    entries = {
        "ParticipantRegistry": ("ParticipantRegistry", registry),
        "TokenUSD": ("SettlementToken", token),
        "ConsentRegistry": ("ConsentRegistry", consents),
        "DIDRegistry": ("DIDRegistry", dids),
    }
    contracts = {
        name: DeployedContract(artifact, contract.address, start, "0x" + "00" * 32, "")
        for name, (artifact, contract) in entries.items()
    }
    manifest = DeploymentManifest(chain_id=w3.eth.chain_id, contracts=contracts)
    manifest_path = tmp_path / "deployment.json"
    manifest.save(manifest_path)
    master = MasterKey.generate()
    settings = Settings(
        environment="test",
        database_url=database_url,
        rpc_url=anvil_node.url,
        manifest_path=manifest_path,
        deployer_private_key=DEPLOYER_KEY,
        relayer_private_key=RELAYER_KEY,
        master_key=master.to_base64(),
        public_base_url=BASE_URL,
        content_store_url=str(tmp_path / "content"),
    )
    api = make_api(settings)
    del api.app.dependency_overrides[outbox_enqueue]
    indexer = Indexer(IndexerSettings(database_url=database_url, rpc_url=anvil_node.url, manifest_path=manifest_path))
    world = ConsentWorld(w3, api, settings, master, registry, token, consents, dids, admin, indexer)
    world.settle()
    try:
        yield world
    finally:
        indexer.close()
