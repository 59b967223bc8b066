"""Traffic reports of ad events: accepted and filtered by reason, then billed as settlement prices them.

Per campaign (its advertiser, admins) by publisher; per publisher (itself, admins) by
campaign, with its batches' duplicates and rejected events. Money already on chain
(deposit, spend, payouts) is in the campaign and publisher reports.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from backend.ads.api_schemas import BatchTotals, CampaignTraffic, PublisherTraffic, TrafficCounts
from backend.ads.reports import batch_totals, campaign_condition, publisher_condition, total_of, traffic_lines
from backend.api.auth import Access, Grant, Owner
from backend.api.deps import SessionDep
from backend.campaigns.models import Campaign
from backend.identity.models import Participant
from backend.identity.roles import Role

router = APIRouter(tags=["events"])

campaign_readers = Access(
    [Role.ADVERTISER, Role.ADMIN], owner=Owner(Campaign, "campaign_id", owner_field="advertiser_id"), all_tenants=[Role.ADMIN]
)
publisher_readers = Access(
    [Role.PUBLISHER, Role.ADMIN], owner=Owner(Participant, "participant_id", owner_field="id"), all_tenants=[Role.ADMIN]
)


@router.get("/campaigns/{campaign_id}/traffic")
def campaign_traffic(
    campaign_id: uuid.UUID, grant: Annotated[Grant[Campaign], Depends(campaign_readers)], session: SessionDep
) -> CampaignTraffic:
    """Per publisher and event kind: accepted, filtered by reason, billed, over budget, unbilled."""
    campaign = grant.resource
    lines = []
    if campaign.chain_campaign_id is not None:
        lines = traffic_lines(session.connection(), campaign_condition(campaign.chain_campaign_id))
    return CampaignTraffic(
        campaign_id=campaign.id, chain_campaign_id=campaign.chain_campaign_id, total=total_of(lines), publishers=lines
    )


@router.get("/publishers/{participant_id}/traffic")
def publisher_traffic(
    participant_id: uuid.UUID, grant: Annotated[Grant[Participant], Depends(publisher_readers)], session: SessionDep
) -> PublisherTraffic:
    """Per campaign and event kind, plus the publisher's batches (duplicates and rejected events per batch)."""
    publisher = grant.resource.chain_address
    if publisher is None:
        empty = BatchTotals(batches=0, events=0, accepted=0, filtered=0, duplicates=0, rejected=0)
        return PublisherTraffic(
            participant_id=participant_id, publisher=None, batches=empty, total=TrafficCounts(), campaigns=[]
        )
    connection = session.connection()
    lines = traffic_lines(connection, publisher_condition(publisher))
    return PublisherTraffic(
        participant_id=participant_id,
        publisher=publisher,
        batches=batch_totals(connection, publisher),
        total=total_of(lines),
        campaigns=lines,
    )
