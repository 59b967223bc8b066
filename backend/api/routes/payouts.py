"""A publisher's payouts: billed, committed, matured, paid (with transaction hashes) and what is on
its way, per campaign; and a payout the publisher asks for now instead of waiting for the keeper."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlmodel import select

from backend.api.auth import Access, Grant, Owner
from backend.api.deps import SessionDep, SettingsDep
from backend.api.errors import ApiError
from backend.campaigns.mirror import mirror_for
from backend.campaigns.models import Campaign
from backend.identity.models import Participant
from backend.identity.roles import Role
from backend.settlement.onchain.writes import SettlementChain, SettlementNotConfigured
from backend.settlement.payouts.owed import owed, payable, queue_payout
from backend.settlement.schemas import PayoutRequest, PublisherPayouts, TransactionRef
from backend.settlement.reports import publisher_payouts, transaction_ref
from contracts.deployment import DeploymentManifest, ManifestError

router = APIRouter(prefix="/payouts", tags=["payouts"])

THE_PUBLISHER = Owner(Participant, "participant_id", owner_field="id")
publishers = Access([Role.PUBLISHER, Role.ADMIN], owner=THE_PUBLISHER, all_tenants=[Role.ADMIN])
PublisherGrant = Annotated[Grant[Participant], Depends(publishers)]


@router.get("/{participant_id}")
def read_payouts(
    participant_id: uuid.UUID, grant: PublisherGrant, session: SessionDep, settings: SettingsDep
) -> PublisherPayouts:
    """Per campaign: billed, committed, matured, settled, paid, fees, pending, claimable; payouts with tx hashes."""
    try:
        escrow = DeploymentManifest.load(settings.manifest_path).contracts.get("CampaignEscrow")
    except ManifestError:
        escrow = None
    return publisher_payouts(session, mirror_for(session, settings), escrow.address if escrow else None, grant.resource)


@router.post("/{participant_id}", status_code=202)
def request_payout(
    participant_id: uuid.UUID, body: PayoutRequest, grant: PublisherGrant, session: SessionDep, settings: SettingsDep
) -> TransactionRef:
    """Queue the payout of what the matured root owes this publisher in `campaign_id` (the platform pays the gas)."""
    try:
        chain = SettlementChain.from_settings(settings)
    except SettlementNotConfigured as exc:
        raise ApiError(503, "settlement_not_configured", str(exc)) from None
    campaign = session.exec(
        select(Campaign).where(Campaign.id == body.campaign_id, Campaign.escrow_address == chain.escrow)
    ).first()
    mirror = mirror_for(session, settings)
    on_chain = mirror.campaign(chain.escrow, campaign.chain_campaign_id) if campaign else None
    if on_chain is None:
        raise ApiError(404, "not_found", f"no campaign {body.campaign_id} on chain")
    publisher = grant.resource.chain_address
    due = next((d for d in owed(session, on_chain) if d.publisher == publisher), None)
    if due is None:
        raise ApiError(409, "nothing_to_pay", "the matured root owes this publisher nothing beyond its payouts",
                       {"matured_epoch": on_chain.matured_epoch})
    if not payable(session, chain, mirror, on_chain, due):
        raise ApiError(
            409, "payout_not_possible", "a payout is already on its way, or the publisher is not active on chain"
        )
    row = queue_payout(session, chain, on_chain.campaign_id, due)
    session.commit()
    session.refresh(row)
    return transaction_ref(row)
