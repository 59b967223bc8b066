"""Disputes of settlement roots: the advertiser or a campaign's publisher challenges an unmatured root
(posting the bond), auditors see the open challenges and resolve them.

While a challenge is open no newer root of the campaign matures (payouts from the matured
root go on); upheld or unresolved at the deadline, the unmatured roots are discarded and
settled again with the corrections the auditor named.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlmodel import col, select

from backend.api.auth import Access, Grant
from backend.api.deps import SessionDep, SettingsDep
from backend.api.errors import ApiError
from backend.campaigns.mirror import mirror_for
from backend.campaigns.models import Campaign
from backend.campaigns.submission import ChainWriter
from backend.identity.ports import Enqueue, outbox_enqueue
from backend.identity.roles import Role
from backend.settlement.disputes import open_dispute, resolve_dispute
from backend.settlement.schemas import ChallengeAction, ChallengeCreate, ChallengePublic, ResolutionRequest
from backend.settlement.reports import challenge_queue
from indexer.models import Challenge as ChainChallenge

router = APIRouter(prefix="/challenges", tags=["challenges"])

challengers = Access([Role.ADVERTISER, Role.PUBLISHER])
auditors = Access([Role.AUDITOR, Role.ADMIN], all_tenants=[Role.AUDITOR, Role.ADMIN])
resolvers = Access([Role.AUDITOR])
EnqueueDep = Annotated[Enqueue, Depends(outbox_enqueue)]


def _campaign(session, campaign_id: uuid.UUID) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.chain_campaign_id is None:
        raise ApiError(404, "not_found", f"no campaign {campaign_id} on chain")
    return campaign


@router.post("", status_code=202)
def challenge(
    body: ChallengeCreate,
    grant: Annotated[Grant, Depends(challengers)],
    session: SessionDep,
    settings: SettingsDep,
    enqueue: EnqueueDep,
) -> ChallengeAction:
    """Dispute the root of `epoch`: its advertiser, or a publisher with earnings in it or in the matured root."""
    campaign = _campaign(session, body.campaign_id)
    action = open_dispute(
        ChainWriter(session, settings, enqueue),
        mirror_for(session, settings),
        campaign,
        grant.participant,
        grant.principal.role,
        body.epoch,
        signed=body.signed_transaction,
    )
    session.commit()
    return action


@router.get("")
def list_challenges(
    grant: Annotated[Grant, Depends(auditors)], session: SessionDep, settings: SettingsDep, open_only: bool = True
) -> list[ChallengePublic]:
    """Challenges on the escrow, newest first (the auditors' queue: open ones by default)."""
    mirror = mirror_for(session, settings)
    if not mirror.ready:
        return []
    statement = select(ChainChallenge).order_by(col(ChainChallenge.opened_block).desc()).limit(500)
    if open_only:
        statement = statement.where(col(ChainChallenge.outcome).is_(None))
    return challenge_queue(session, list(session.exec(statement)))


@router.post("/{campaign_id}/resolution", status_code=202)
def resolve(
    campaign_id: uuid.UUID,
    body: ResolutionRequest,
    grant: Annotated[Grant, Depends(resolvers)],
    session: SessionDep,
    settings: SettingsDep,
    enqueue: EnqueueDep,
) -> ChallengeAction:
    """Resolve the campaign's open challenge; when upholding, name the billed events found invalid."""
    action = resolve_dispute(
        ChainWriter(session, settings, enqueue),
        mirror_for(session, settings),
        _campaign(session, campaign_id),
        grant.participant,
        upheld=body.upheld,
        invalid_event_ids=body.invalid_event_ids,
        signed=body.signed_transaction,
    )
    session.commit()
    return action
