"""Settled epochs of a campaign (roots, spend, commit transactions, chain status, challenges) and its
settlement report: billed, spent, matured, paid and claimable, per campaign and per publisher."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from backend.api.auth import Access, Grant, Owner
from backend.api.deps import SessionDep, SettingsDep
from backend.campaigns.anchoring import refresh
from backend.campaigns.mirror import mirror_for
from backend.campaigns.models import Campaign
from backend.identity.roles import Role
from backend.settlement.schemas import CampaignSettlements, SettlementReport
from backend.settlement.reports import campaign_settlements, settlement_report

router = APIRouter(prefix="/settlements", tags=["settlements"])

THE_CAMPAIGN = Owner(Campaign, "campaign_id", owner_field="advertiser_id")
readers = Access(
    [Role.ADVERTISER, Role.AUDITOR, Role.ADMIN], owner=THE_CAMPAIGN, all_tenants=[Role.AUDITOR, Role.ADMIN]
)
CampaignGrant = Annotated[Grant[Campaign], Depends(readers)]


@router.get("/campaigns/{campaign_id}")
def list_settlements(
    campaign_id: uuid.UUID, grant: CampaignGrant, session: SessionDep, settings: SettingsDep
) -> CampaignSettlements:
    """Every settled epoch, newest first, with its chain status; the campaign's challenges."""
    mirror = mirror_for(session, settings)
    if refresh(session, mirror, [grant.resource]):
        session.commit()
    return campaign_settlements(session, mirror, grant.resource)


@router.get("/campaigns/{campaign_id}/report")
def report(
    campaign_id: uuid.UUID, grant: CampaignGrant, session: SessionDep, settings: SettingsDep
) -> SettlementReport:
    """Billed, spent, matured, paid, fees and claimable, for the campaign and each publisher."""
    mirror = mirror_for(session, settings)
    if refresh(session, mirror, [grant.resource]):
        session.commit()
    return settlement_report(session, mirror, grant.resource)
