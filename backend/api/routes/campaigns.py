"""Ad campaigns: create (terms anchored on chain), fund and top up, pause, unpause, end, refund;
status and reports from the indexer's mirror, with the transactions still on their way."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlmodel import select

from backend.api.auth import Access, Grant, NowDep, Owner, tenant_scoped
from backend.api.deps import SessionDep, SettingsDep
from backend.api.idempotency import idempotent
from backend.campaigns import actions
from backend.campaigns.anchoring import refresh
from backend.campaigns.creation import CampaignSpec, create_campaign
from backend.campaigns.mirror import mirror_for
from backend.campaigns.models import Campaign, CampaignActionKind
from backend.campaigns.schemas import (
    CampaignActionPublic,
    CampaignCreate,
    CampaignPublic,
    CampaignReport,
    FundRequest,
    LifecycleRequest,
)
from backend.campaigns.submission import ChainWriter
from backend.campaigns.views import action_view, campaign_report, campaign_views
from backend.content import content_store_from_url
from backend.identity.ports import Enqueue, outbox_enqueue
from backend.identity.roles import Role

router = APIRouter(prefix="/campaigns", tags=["campaigns"])

THE_CAMPAIGN = Owner(Campaign, "campaign_id", owner_field="advertiser_id")
advertisers = Access([Role.ADVERTISER])
campaign_readers = Access([Role.ADVERTISER, Role.ADMIN], all_tenants=[Role.ADMIN])
reader_of_campaign = Access([Role.ADVERTISER, Role.ADMIN], owner=THE_CAMPAIGN, all_tenants=[Role.ADMIN])
advertiser_of_campaign = Access([Role.ADVERTISER], owner=THE_CAMPAIGN)

CampaignGrant = Annotated[Grant[Campaign], Depends(advertiser_of_campaign)]
EnqueueDep = Annotated[Enqueue, Depends(outbox_enqueue)]


@router.post("", status_code=201)
@idempotent
def create(
    body: CampaignCreate,
    grant: Annotated[Grant, Depends(advertisers)],
    session: SessionDep,
    settings: SettingsDep,
    enqueue: EnqueueDep,
    now: NowDep,
) -> CampaignPublic:
    """Store the terms in the content store and queue createCampaign with their hash; `pending` until mirrored."""
    spec = CampaignSpec(
        name=body.name,
        token=body.token,
        budget=body.budget,
        terms=body.terms,
        ends_at=int(body.ends_at.timestamp()),
        attesters=body.attesters,
        threshold=body.threshold,
        verifier=body.verifier,
        challenge_window=body.challenge_window,
    )
    mirror = mirror_for(session, settings)
    campaign = create_campaign(
        ChainWriter(session, settings, enqueue),
        mirror,
        content_store_from_url(settings.content_store_url),
        grant.participant,
        spec,
        now=int(now.timestamp()),
        signed_transaction=body.signed_transaction,
    )
    return campaign_views(session, mirror, [campaign])[0]


@router.get("")
def list_campaigns(
    grant: Annotated[Grant, Depends(campaign_readers)],
    session: SessionDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[CampaignPublic]:
    """The caller's campaigns (an admin sees all), newest first."""
    statement = select(Campaign).order_by(Campaign.created_at.desc()).offset(offset).limit(limit)
    campaigns = list(session.exec(tenant_scoped(statement, Campaign.advertiser_id, grant)))
    mirror = mirror_for(session, settings)
    if refresh(session, mirror, campaigns):
        session.commit()
    return campaign_views(session, mirror, campaigns)


@router.get("/{campaign_id}")
def read_campaign(
    campaign_id: uuid.UUID,
    grant: Annotated[Grant[Campaign], Depends(reader_of_campaign)],
    session: SessionDep,
    settings: SettingsDep,
) -> CampaignPublic:
    mirror = mirror_for(session, settings)
    if refresh(session, mirror, [grant.resource]):
        session.commit()
    return campaign_views(session, mirror, [grant.resource])[0]


@router.get("/{campaign_id}/report")
def report(
    campaign_id: uuid.UUID,
    grant: Annotated[Grant[Campaign], Depends(reader_of_campaign)],
    session: SessionDep,
    settings: SettingsDep,
) -> CampaignReport:
    """Deposit, spend, payouts, fees, refund and the transactions not mirrored yet."""
    mirror = mirror_for(session, settings)
    if refresh(session, mirror, [grant.resource]):
        session.commit()
    return campaign_report(session, mirror, grant.resource)


@router.post("/{campaign_id}/fund", status_code=202)
@idempotent
def fund(
    campaign_id: uuid.UUID,
    body: FundRequest,
    grant: CampaignGrant,
    session: SessionDep,
    settings: SettingsDep,
    enqueue: EnqueueDep,
) -> CampaignActionPublic:
    """Add to the deposit (first funding and every top-up). Custodial: approve + fund from the platform-held
    key. Non-custodial: the wallet signs fundWithPermit (with `permit`) or fund, sent as `signed_transaction`."""
    campaign = grant.resource
    action = actions.fund(
        ChainWriter(session, settings, enqueue),
        mirror_for(session, settings),
        campaign,
        grant.participant,
        body.amount,
        permit=body.permit.as_args() if body.permit else None,
        signed_transaction=body.signed_transaction,
    )
    return action_view(session, campaign, action)


def _lifecycle(kind: CampaignActionKind, grant: Grant[Campaign], body: LifecycleRequest | None, session, settings,
               enqueue, now) -> CampaignActionPublic:
    campaign = grant.resource
    action = actions.change_lifecycle(
        ChainWriter(session, settings, enqueue),
        mirror_for(session, settings),
        campaign,
        grant.participant,
        kind,
        now=int(now.timestamp()),
        signed_transaction=body.signed_transaction if body else None,
    )
    return action_view(session, campaign, action)


@router.post("/{campaign_id}/pause", status_code=202)
@idempotent
def pause(
    campaign_id: uuid.UUID, grant: CampaignGrant, session: SessionDep, settings: SettingsDep, enqueue: EnqueueDep,
    now: NowDep, body: LifecycleRequest | None = None,
) -> CampaignActionPublic:
    """Stop settlements until unpaused; queues pauseCampaign."""
    return _lifecycle(CampaignActionKind.PAUSE, grant, body, session, settings, enqueue, now)


@router.post("/{campaign_id}/unpause", status_code=202)
@idempotent
def unpause(
    campaign_id: uuid.UUID, grant: CampaignGrant, session: SessionDep, settings: SettingsDep, enqueue: EnqueueDep,
    now: NowDep, body: LifecycleRequest | None = None,
) -> CampaignActionPublic:
    """Resume settlements; queues unpauseCampaign."""
    return _lifecycle(CampaignActionKind.UNPAUSE, grant, body, session, settings, enqueue, now)


@router.post("/{campaign_id}/end", status_code=202)
@idempotent
def end(
    campaign_id: uuid.UUID, grant: CampaignGrant, session: SessionDep, settings: SettingsDep, enqueue: EnqueueDep,
    now: NowDep, body: LifecycleRequest | None = None,
) -> CampaignActionPublic:
    """End now; traffic already delivered still settles during the settlement grace. Queues endCampaign."""
    return _lifecycle(CampaignActionKind.END, grant, body, session, settings, enqueue, now)


@router.post("/{campaign_id}/refund", status_code=202)
@idempotent
def refund(
    campaign_id: uuid.UUID, grant: CampaignGrant, session: SessionDep, settings: SettingsDep, enqueue: EnqueueDep,
    now: NowDep, body: LifecycleRequest | None = None,
) -> CampaignActionPublic:
    """Return the unspent deposit once end time + settlement grace + challenge window have passed; queues refund."""
    return _lifecycle(CampaignActionKind.REFUND, grant, body, session, settings, enqueue, now)
