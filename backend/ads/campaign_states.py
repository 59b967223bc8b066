"""The campaigns a batch names, as the filters need them (``filters.CampaignState``), in a few queries.

Events carry CampaignEscrow's campaign id. For the ids of one batch: the anchored
campaign rows of the deployment's escrow (terms), their mirrored chain state (deposit,
spend, paused, closed, end time) and the mirror's chain time, judged by the same
``campaigns.status`` rules the campaign API shows. A campaign not anchored yet, of
another escrow, or without a deployment is unknown to ingestion. Terms are parsed once
per terms hash: they never change, and schema validation costs more than the queries.

``backend.campaigns.state.campaign_state`` answers the same for one campaign; this
batches it (one query per table instead of three per campaign).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Connection
from sqlmodel import Session, col, select

from backend.ads.filters import CampaignState
from backend.ads.pricing import reserve_for
from backend.ads.terms import CampaignTerms
from backend.campaigns.chain import ESCROW
from backend.campaigns.mirror import Mirror
from backend.campaigns.models import AnchorStatus, Campaign
from backend.campaigns.state import campaign_terms
from backend.campaigns.status import campaign_status, phase_of
from contracts.deployment import DeploymentManifest, ManifestError

_TERMS_CACHE_SIZE = 10_000


class CampaignStates:
    def __init__(self, manifest_path: Path, reserve_bps: int):
        self._manifest_path = manifest_path
        self._reserve_bps = reserve_bps
        self._deployment: tuple[int, int | None, str | None] | None = None  # (manifest mtime, chain id, escrow)
        self._terms: dict[str, CampaignTerms] = {}

    def load(self, connection: Connection, campaign_ids: Iterable[int]) -> dict[int, CampaignState]:
        ids = sorted(set(campaign_ids))
        chain_id, escrow = self._escrow()
        if escrow is None or not ids:
            return {}
        # Bound to the batch's connection: the reads share its transaction; closing it leaves that open.
        with Session(bind=connection) as session:
            mirror = Mirror(session, chain_id)
            chains = mirror.campaigns(escrow, ids)
            if not chains:
                return {}
            chain_time = mirror.chain_time()
            campaigns = session.exec(
                select(Campaign).where(
                    Campaign.escrow_address == escrow,
                    col(Campaign.chain_campaign_id).in_(list(chains)),
                    Campaign.anchoring == AnchorStatus.ANCHORED,
                )
            ).all()
        states = {}
        for campaign in campaigns:
            chain = chains[campaign.chain_campaign_id]
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
