"""Helpers of the ingestion API tests: publishers with signing keys, campaigns seeded in the campaign
table and the chain mirror (no chain needed), signed posts, stored rows."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from eth_account import Account
from nacl.signing import SigningKey
from sqlalchemy import text
from sqlmodel import Session

from backend.ads.intake import PUBLISHER_HEADER
from backend.ads.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_ed25519, sign_secp256k1
from backend.campaigns.terms import canonical_json
from backend.campaigns.models import AnchorStatus, Campaign
from backend.content import cid_for
from backend.core.db import engine_for
from backend.identity.models import CustodyMode, Participant
from backend.identity.roles import Role
from indexer.models import Campaign as ChainCampaign
from indexer.models import Checkpoint, IndexedBlock
from tests.ads.factories import NOW
from tests.api.conftest import ApiHarness
from tests.api.support import CHAIN_ID, Identity

ESCROW = "0x00000000000000000000000000000000000000E5"
TOKEN = "0x00000000000000000000000000000000000000C1"
TERMS = {"version": 1, "pricing": {"cpm": 2_000_000, "cpc": 50_000, "cpa": 1_000_000}}
DAY = 86_400
KYC_UNTIL = datetime.fromtimestamp(NOW + 365 * DAY, UTC)


@dataclass
class Publisher:
    identity: Identity
    seed: bytes | None = None  # Ed25519 signing key; None: signs with the wallet (secp256k1)
    wallet_key: str | None = None
    key_ids: list[str] = field(default_factory=list)

    @property
    def address(self) -> str:
        return self.identity.address

    def sign(self, timestamp: str, body: bytes) -> str:
        if self.seed is not None:
            return sign_ed25519(self.seed, timestamp, body)
        return sign_secp256k1(self.wallet_key, timestamp, body)


@dataclass
class IngestApi:
    api: ApiHarness

    @property
    def client(self):
        return self.api.client

    @property
    def url(self) -> str:
        return self.api.settings.database_url

    def publisher(self, *, wallet: bool = False, **options: Any) -> Publisher:
        """An approved publisher with a registered Ed25519 key, or (``wallet``) a non-custodial one signing with its wallet."""
        if wallet:
            account = Account.create()
            identity = self.api.identity(Role.PUBLISHER, address=account.address, kyc_expires_at=KYC_UNTIL, **options)
            with Session(engine_for(self.url)) as session:
                participant = session.get(Participant, identity.participant_id)
                participant.custody_mode = CustodyMode.NON_CUSTODIAL
                session.add(participant)
                session.commit()
            return Publisher(identity, wallet_key=account.key.hex())
        identity = self.api.identity(Role.PUBLISHER, kyc_expires_at=KYC_UNTIL, **options)
        publisher = Publisher(identity, seed=secrets.token_bytes(32))
        publisher.key_ids.append(self.register_key(publisher, "ed25519", self.public_key(publisher)))
        return publisher

    @staticmethod
    def public_key(publisher: Publisher) -> str:
        return SigningKey(publisher.seed).verify_key.encode().hex()

    def register_key(self, publisher: Publisher, algorithm: str, key: str) -> str:
        response = self.client.post(
            "/v1/publishers/me/signing-keys",
            json={"algorithm": algorithm, "key": key},
            headers=publisher.identity.headers,
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def campaign(
        self,
        chain_campaign_id: int,
        *,
        deposit: int = 10**12,
        spent: int = 0,
        paused: bool = False,
        closed: bool = False,
        end_time: int = NOW + 30 * DAY,
        anchored: bool = True,
        advertiser: Identity | None = None,
    ) -> uuid.UUID:
        """A campaign of the API and, unless not ``anchored``, its CampaignEscrow state in the mirror."""
        advertiser = advertiser or self.api.identity(Role.ADVERTISER, kyc_expires_at=KYC_UNTIL)
        canonical = canonical_json(TERMS)
        campaign = Campaign(
            name=f"campaign {chain_campaign_id}",
            advertiser_id=advertiser.participant_id,
            advertiser_address=advertiser.address,
            chain_id=CHAIN_ID,
            escrow_address=ESCROW,
            chain_campaign_id=chain_campaign_id if anchored else None,
            anchoring=AnchorStatus.ANCHORED if anchored else AnchorStatus.PENDING,
            token_symbol="tUSD",
            token_address=TOKEN,
            budget=deposit,
            terms_json=canonical.decode(),
            terms_cid=cid_for(canonical),
            terms_hash="0x" + hashlib.sha256(canonical).hexdigest(),
            attesters=[ESCROW],
            threshold=1,
            challenge_window=3600,
            end_time=end_time,
        )
        with Session(engine_for(self.url)) as session:
            session.add(campaign)
            if anchored:
                session.add(
                    ChainCampaign(
                        contract=ESCROW,
                        campaign_id=chain_campaign_id,
                        advertiser=advertiser.address,
                        token=TOKEN,
                        terms_hash=campaign.terms_hash,
                        end_time=end_time,
                        deposited=deposit,
                        cumulative_spent=spent,
                        paused=paused,
                        closed=closed,
                        updated_block=1,
                    )
                )
            session.commit()
            return campaign.id

    def post(
        self,
        publisher: Publisher,
        events: list[dict[str, Any]] | None = None,
        *,
        body: bytes | None = None,
        timestamp: int = NOW,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        """Post a batch signed by ``publisher`` (``signature`` overrides it, ``headers`` replace any)."""
        raw = body if body is not None else orjson.dumps({"events": events})
        stamp = str(timestamp)
        sent = {
            PUBLISHER_HEADER: publisher.address,
            TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: signature if signature is not None else publisher.sign(stamp, raw),
            "Content-Type": "application/json",
        }
        sent.update(headers or {})
        return self.client.post("/v1/events", content=raw, headers=sent)

    def events(self) -> list[dict[str, Any]]:
        with engine_for(self.url).connect() as connection:
            rows = connection.execute(text("SELECT * FROM ad_events ORDER BY id")).mappings().all()
        return [dict(row) for row in rows]

    def count(self, table: str) -> int:
        with engine_for(self.url).connect() as connection:
            return connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()


def seed_chain_time(database_url: str, timestamp: int = NOW) -> None:
    """The mirror's newest block, whose timestamp is the chain time campaigns are judged by."""
    with Session(engine_for(database_url)) as session:
        session.merge(IndexedBlock(chain_id=CHAIN_ID, number=1, hash="0x" + "11" * 32, parent_hash="0x" + "00" * 32, timestamp=timestamp))
        session.merge(
            Checkpoint(
                chain_id=CHAIN_ID,
                block_number=1,
                block_hash="0x" + "11" * 32,
                logs_total=0,
                updated_at=float(timestamp),
                logs_per_second=0.0,
            )
        )
        session.commit()


def at(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def later(seconds: int) -> datetime:
    return at(NOW) + timedelta(seconds=seconds)
