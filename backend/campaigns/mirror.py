"""Reads of the indexer's mirror of CampaignEscrow, ParticipantRegistry and the tokens.

The API takes chain state only from here. The mirror shares the database but not the
migrations: where the indexer has not created its tables yet, ``ready`` is False and
every read answers "nothing known", so the API shows campaigns as pending instead of
failing. Chain time is the timestamp of the newest mirrored block: windows (end time,
refund) are judged by the chain's clock, which tests and demos move ahead of the wall.
"""

from __future__ import annotations

from sqlalchemy import inspect
from sqlmodel import Session, col, select

from backend.core.config import Settings
from contracts.deployment import DeploymentManifest, ManifestError
from indexer.models import (
    Campaign as ChainCampaign,
    CampaignPublisher,
    Checkpoint,
    Escrow,
    EscrowToken,
    IndexedBlock,
    Participant as ChainParticipant,
    RawLog,
    TokenBalance,
)

# ICampaignEscrow.CampaignCreated(uint256 indexed campaignId, ...): the id is topic 1.
CAMPAIGN_CREATED = "CampaignCreated"
_ready_databases: set[str] = set()


class Mirror:
    def __init__(self, session: Session, chain_id: int | None):
        """`chain_id` of the deployment manifest; None (no manifest yet) reads as an empty mirror."""
        self.session = session
        self.chain_id = chain_id
        self.ready = chain_id is not None and _mirror_ready(session)

    def checkpoint_block(self) -> int | None:
        """The newest block whose logs are all mirrored."""
        if not self.ready:
            return None
        row = self.session.get(Checkpoint, self.chain_id)
        return row.block_number if row else None

    def chain_time(self) -> int | None:
        """Unix time of the newest mirrored block."""
        block = self.checkpoint_block()
        if block is None:
            return None
        return self.session.exec(
            select(IndexedBlock.timestamp).where(IndexedBlock.chain_id == self.chain_id, IndexedBlock.number == block)
        ).first()

    def created_campaign_id(self, escrow: str, tx_hash: str) -> int | None:
        """The id CampaignCreated gave the campaign made by transaction `tx_hash`."""
        if not self.ready:
            return None
        topic = self.session.exec(
            select(RawLog.topic1).where(
                RawLog.chain_id == self.chain_id,
                RawLog.tx_hash == tx_hash.lower(),
                RawLog.address == escrow,
                RawLog.event == CAMPAIGN_CREATED,
            )
        ).first()
        return int(topic, 16) if topic else None

    def campaign(self, escrow: str, campaign_id: int | None) -> ChainCampaign | None:
        if not self.ready or campaign_id is None:
            return None
        return self.session.get(ChainCampaign, (escrow, campaign_id))

    def campaigns(self, escrow: str, campaign_ids: list[int]) -> dict[int, ChainCampaign]:
        if not self.ready or not campaign_ids:
            return {}
        rows = self.session.exec(
            select(ChainCampaign).where(
                ChainCampaign.contract == escrow, col(ChainCampaign.campaign_id).in_(campaign_ids)
            )
        )
        return {row.campaign_id: row for row in rows}

    def publishers_of(self, escrow: str, campaign_id: int) -> list[CampaignPublisher]:
        if not self.ready:
            return []
        return list(
            self.session.exec(
                select(CampaignPublisher)
                .where(CampaignPublisher.contract == escrow, CampaignPublisher.campaign_id == campaign_id)
                .order_by(CampaignPublisher.publisher)
            )
        )

    def campaigns_of_publisher(self, escrow: str, publisher: str) -> list[CampaignPublisher]:
        if not self.ready:
            return []
        return list(
            self.session.exec(
                select(CampaignPublisher).where(
                    CampaignPublisher.contract == escrow, CampaignPublisher.publisher == publisher
                )
            )
        )

    def escrow(self, escrow: str) -> Escrow | None:
        return self.session.get(Escrow, escrow) if self.ready else None

    def token_config(self, escrow: str, token: str) -> EscrowToken | None:
        return self.session.get(EscrowToken, (escrow, token)) if self.ready else None

    def participant(self, registry: str, account: str) -> ChainParticipant | None:
        return self.session.get(ChainParticipant, (registry, account)) if self.ready else None

    def balance(self, token: str, holder: str) -> int:
        if not self.ready:
            return 0
        row = self.session.get(TokenBalance, (token, holder))
        return row.balance if row else 0


def _mirror_ready(session: Session) -> bool:
    bind = session.get_bind()
    key = str(bind.url)
    if key in _ready_databases:
        return True
    # Asked on the request's connection, so PostgreSQL answers for the same database and schema.
    if inspect(session.connection()).has_table(Checkpoint.__tablename__):
        _ready_databases.add(key)
        return True
    return False


def mirror_for(session: Session, settings: Settings) -> Mirror:
    """The mirror of the chain in the deployment manifest."""
    try:
        chain_id = DeploymentManifest.load(settings.manifest_path).chain_id
    except ManifestError:
        chain_id = None
    return Mirror(session, chain_id)
