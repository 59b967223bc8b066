"""The campaigns a batch names, as the filters need them (``filters.CampaignState``), in a few queries.

Events carry CampaignEscrow's campaign id. For the ids of one batch: the anchored
campaign rows of the deployment's escrow (terms) joined with their mirrored chain
state (deposit, spend, paused, closed, end time), and the mirror's chain time, judged
by the same ``campaigns.status`` rules the campaign API shows. A campaign not anchored yet, of
another escrow, or without a deployment is unknown to ingestion. Terms are parsed once
per terms hash: they never change, and schema validation costs more than the queries.

``backend.campaigns.state.campaign_state`` answers the same for one campaign through
``campaigns.mirror.Mirror``; this batches it (two queries a batch instead of three per
campaign) on the batch's own connection, which ``Mirror`` cannot take (it reads the
database URL from a session bound to an engine).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Connection, and_, inspect
from sqlmodel import Session, col, select

from backend.ads.filters import CampaignState
from backend.ads.pricing import reserve_for
from backend.ads.terms import CampaignTerms
from backend.campaigns.chain import ESCROW
from backend.campaigns.models import AnchorStatus, Campaign
from backend.campaigns.state import campaign_terms
from backend.campaigns.status import campaign_status, phase_of
from contracts.deployment import DeploymentManifest, ManifestError
from indexer.models import Campaign as ChainCampaign
from indexer.models import Checkpoint, IndexedBlock

_TERMS_CACHE_SIZE = 10_000
_ready_databases: set[str] = set()


class CampaignStates:
    def __init__(self, manifest_path: Path, reserve_bps: int):
        self._manifest_path = manifest_path
        self._reserve_bps = reserve_bps
        self._deployment: tuple[int, int | None, str | None] | None = None  # (manifest mtime, chain id, escrow)
        self._terms: dict[str, CampaignTerms] = {}

    def load(self, connection: Connection, campaign_ids: Iterable[int]) -> dict[int, CampaignState]:
        ids = sorted(set(campaign_ids))
        chain_id, escrow = self._escrow()
        if escrow is None or not ids or not _mirror_ready(connection):
            return {}
        # Bound to the batch's connection: the reads share its transaction; closing it leaves that open.
        with Session(bind=connection) as session:
            pairs = session.exec(
                select(Campaign, ChainCampaign)
                .join(
                    ChainCampaign,
                    and_(
                        ChainCampaign.contract == Campaign.escrow_address,
                        ChainCampaign.campaign_id == Campaign.chain_campaign_id,
                    ),
                )
                .where(
                    Campaign.escrow_address == escrow,
                    col(Campaign.chain_campaign_id).in_(ids),
                    Campaign.anchoring == AnchorStatus.ANCHORED,
                )
            ).all()
            chain_time = _chain_time(session, chain_id) if pairs else None
        states = {}
        for campaign, chain in pairs:
            phase = phase_of(campaign_status(campaign, chain, chain_time))
            if phase is None:
                continue
            states[campaign.chain_campaign_id] = CampaignState(
                campaign_id=campaign.chain_campaign_id,
                phase=phase,
                deposit=chain.deposited,
                spent=chain.cumulative_spent,
                terms=self._terms_of(campaign),
                reserve=reserve_for(chain.deposited, self._reserve_bps),
            )
        return states

    def _terms_of(self, campaign: Campaign) -> CampaignTerms:
        terms = self._terms.get(campaign.terms_hash)
        if terms is None:
            if len(self._terms) >= _TERMS_CACHE_SIZE:
                self._terms.clear()
            terms = self._terms[campaign.terms_hash] = campaign_terms(campaign)
        return terms

    def _escrow(self) -> tuple[int | None, str | None]:
        """The escrow of the deployment manifest, re-read when the file changes (a deploy writes it)."""
        try:
            mtime = self._manifest_path.stat().st_mtime_ns
        except OSError:
            return None, None
        if self._deployment is None or self._deployment[0] != mtime:
            try:
                manifest = DeploymentManifest.load(self._manifest_path)
            except ManifestError:
                return None, None
            escrow = manifest.contracts.get(ESCROW)
            self._deployment = (mtime, manifest.chain_id, escrow.address if escrow else None)
        return self._deployment[1], self._deployment[2]


def _chain_time(session: Session, chain_id: int | None) -> int | None:
    """Unix time of the newest mirrored block (``Mirror.chain_time`` in one query)."""
    return session.exec(
        select(IndexedBlock.timestamp)
        .join(
            Checkpoint,
            and_(Checkpoint.chain_id == IndexedBlock.chain_id, Checkpoint.block_number == IndexedBlock.number),
        )
        .where(Checkpoint.chain_id == chain_id)
    ).first()


def _mirror_ready(connection: Connection) -> bool:
    """Whether the indexer has created its tables in this database (it migrates them itself)."""
    key = str(connection.engine.url)
    if key not in _ready_databases and inspect(connection).has_table(ChainCampaign.__tablename__):
        _ready_databases.add(key)
    return key in _ready_databases
