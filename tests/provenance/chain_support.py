"""The real provenance path on anvil: API -> outbox -> the one sender -> ProvenanceRegistry and
AssetRegistry, mirrored back by the indexer run in-process. Shared by the anchoring, creatives
and browser tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlmodel import Session, select
from web3 import Web3

from backend.chain.sender import drain_outbox
from backend.core.config import Settings
from backend.core.db import engine_for
from backend.db.migrate import upgrade_database
from backend.identity.api_keys import issue_key
from backend.identity.models import CustodyMode, Participant, ParticipantStatus, utcnow
from backend.identity.roles import Role, roles_to_mask
from backend.keys import MasterKey, create_custodial_key
from backend.provenance.anchoring import Anchorer, AnchorPass
from contracts.deployment import DeployedContract, DeploymentManifest
from indexer import Indexer, IndexerSettings
from tests.api.support import Identity
from tests.factories import Role as ChainRole
from tests.factories import deploy, onboard

GTIN = "09506000134352"
CHAIN_ROLES = {Role.BRAND: ChainRole.BRAND, Role.SUPPLY_CHAIN_ACTOR: ChainRole.SUPPLY_CHAIN_ACTOR,
               Role.ADVERTISER: ChainRole.ADVERTISER}
ONE_ETHER = hex(10**18)


def epcis_document(gtin: str, serial: str, step: str, when, place: str = "urn:epc:id:sgln:9506000.00010.1", **extra):
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": when.isoformat(),
        "epcisBody": {
            "eventList": [
                {
                    "type": "ObjectEvent",
                    "action": "OBSERVE",
                    "bizStep": step,
                    "epcList": [f"https://id.gs1.org/01/{gtin}/21/{serial}"],
                    "eventTime": when.isoformat(),
                    "eventTimeZoneOffset": "+00:00",
                    "readPoint": {"id": place},
                    **extra,
                }
            ]
        },
    }


@dataclass
class ChainedProvenance:
    """Contracts on anvil, a migrated SQLite database with the mirror, settings with a funded relayer."""

    w3: Web3
    registry: object  # ParticipantRegistry
    provenance: object  # ProvenanceRegistry
    assets: object  # AssetRegistry
    settings: Settings
    master: MasterKey
    relayer: LocalAccount
    identities: list[Identity] = field(default_factory=list)

    def fund(self, address: str) -> None:
        self.w3.provider.make_request("anvil_setBalance", [address, ONE_ETHER])

    def participant(self, name: str, *roles: Role, own_key: LocalAccount | None = None) -> Identity:
        """An approved participant active on chain: custodial (key sealed here) unless `own_key` is given."""
        url = self.settings.database_url
        with Session(engine_for(url)) as session:
            address = own_key.address if own_key else create_custodial_key(session, f"test:{name}", master=self.master)
            row = Participant(
                display_name=name,
                roles=roles_to_mask(roles),
                requested_roles=roles_to_mask(roles),
                chain_address=address,
                custody_mode=CustodyMode.NON_CUSTODIAL if own_key else CustodyMode.CUSTODIAL,
                status=ParticipantStatus.APPROVED,
                kyc_expires_at=utcnow() + timedelta(days=365),
                approved_at=utcnow(),
            )
            session.add(row)
            session.flush()
            issued = issue_key(session, row, roles[0])
            session.commit()
            identity = Identity(row.id, address, roles[0], issued.secret)
        onboard(self.registry, address, *(CHAIN_ROLES[role] for role in roles))
        self.fund(address)
        return identity

    def drain(self) -> None:
        drain_outbox(self.settings, timeout=30)

    def anchor(self) -> AnchorPass:
        anchorer = Anchorer(self.settings, master=self.master)
        try:
            return anchorer.run_once()
        finally:
            anchorer.close()

    def index(self) -> None:
        indexer = Indexer(IndexerSettings(
            database_url=self.settings.database_url, rpc_url=self.settings.rpc_url,
            manifest_path=self.settings.manifest_path,
        ))
        try:
            indexer.sync_to_head(timeout=30)
        finally:
            indexer.close()

    def outbox_kinds(self) -> list[tuple[str, str]]:
        from backend.chain.outbox import OutboxTransaction

        with Session(engine_for(self.settings.database_url)) as session:
            rows = session.exec(select(OutboxTransaction).order_by(OutboxTransaction.id)).all()
            return [(row.kind, row.status) for row in rows]


def chained_provenance(w3: Web3, registry, tmp_path: Path, **settings) -> ChainedProvenance:
    first_block = w3.eth.block_number  # the registry fixture deployed in this block or before
    provenance = deploy(w3, "ProvenanceRegistry", registry.address)
    assets = deploy(w3, "AssetRegistry", registry.address)
    contracts = (("ParticipantRegistry", registry), ("ProvenanceRegistry", provenance), ("AssetRegistry", assets))
    manifest = DeploymentManifest(
        chain_id=w3.eth.chain_id,
        contracts={
            name: DeployedContract(name, contract.address, first_block, "0x" + "00" * 32, "")
            for name, contract in contracts
        },
    )
    manifest.save(tmp_path / "deployment.json")
    master = MasterKey.generate()
    relayer = Account.create()
    config = Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'chained.db'}",
        rpc_url=w3.provider.endpoint_uri,
        manifest_path=tmp_path / "deployment.json",
        relayer_private_key=relayer.key.hex(),
        master_key=master.to_base64(),
        content_store_url=str(tmp_path / "content"),
        provenance_secret="provenance-secret-for-tests",
        **settings,
    )
    upgrade_database(config.database_url)
    harness = ChainedProvenance(w3, registry, provenance, assets, config, master, relayer)
    harness.fund(relayer.address)
    harness.index()  # migrates the mirror into the same database
    return harness
