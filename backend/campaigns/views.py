"""Campaigns, actions and reports as the API answers them: the local record joined with the mirror."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict

from sqlmodel import Session, col, select

from backend.campaigns.actions import refund_available_at
from backend.campaigns.chain import TOKEN_DECIMALS
from backend.campaigns.mirror import Mirror
from backend.campaigns.models import Campaign, CampaignAction
from backend.campaigns.schemas import (
    TERMS_SCHEMA_PATH,
    CampaignActionPublic,
    CampaignPublic,
    CampaignReport,
    ChainRef,
    PublisherShare,
    TermsPublic,
    TokenRef,
    TransactionPublic,
)
from backend.campaigns.status import (
    TrackedTransaction,
    campaign_status,
    failed_of,
    pending_deposit,
    pending_at,
    pending_of,
    tracked_transactions,
)
from backend.identity.models import Participant


def _transaction(t: TrackedTransaction) -> TransactionPublic:
    return TransactionPublic(
        outbox_id=t.outbox_id,
        action=t.action,
        action_id=t.action_id,
        kind=t.kind,
        status=t.status,
        tx_hash=t.tx_hash,
        block_number=t.block_number,
        error=t.error,
    )


def _token(campaign: Campaign) -> TokenRef:
    return TokenRef(symbol=campaign.token_symbol, address=campaign.token_address, decimals=TOKEN_DECIMALS)


def campaign_views(session: Session, mirror: Mirror, campaigns: list[Campaign]) -> list[CampaignPublic]:
    anchored: dict[str, list[int]] = defaultdict(list)
    for campaign in campaigns:
        if campaign.chain_campaign_id is not None:
            anchored[campaign.escrow_address].append(campaign.chain_campaign_id)
    chains = {
        (escrow, chain_id): row
        for escrow, ids in anchored.items()
        for chain_id, row in mirror.campaigns(escrow, ids).items()
    }
    transactions = tracked_transactions(session, campaigns)
    chain_time = mirror.chain_time()
    checkpoint = mirror.checkpoint_block()  # once, not once per campaign
    views = []
    for campaign in campaigns:
        chain = chains.get((campaign.escrow_address, campaign.chain_campaign_id))
        mine = transactions[campaign.id]
        deposit = chain.deposited if chain else 0
        spent = chain.cumulative_spent if chain else 0
        views.append(
            CampaignPublic(
                id=campaign.id,
                name=campaign.name,
                status=campaign_status(campaign, chain, chain_time),
                advertiser_id=campaign.advertiser_id,
                advertiser_address=campaign.advertiser_address,
                chain=ChainRef(
                    chain_id=campaign.chain_id, escrow=campaign.escrow_address, campaign_id=campaign.chain_campaign_id
                ),
                token=_token(campaign),
                budget=campaign.budget,
                deposit=deposit,
                spent=spent,
                available=0 if chain is None or chain.closed else deposit - spent,
                paused=bool(chain and chain.paused),
                end_time=chain.end_time if chain else campaign.end_time,
                refund_available_at=refund_available_at(chain) if chain else None,
                terms=TermsPublic(
                    cid=campaign.terms_cid,
                    terms_hash=campaign.terms_hash,
                    schema_url=TERMS_SCHEMA_PATH,
                    document=json.loads(campaign.terms_json),
                ),
                attesters=campaign.attesters,
                threshold=campaign.threshold,
                verifier=campaign.verifier,
                challenge_window=campaign.challenge_window,
                created_at=campaign.created_at,
                anchored_at=campaign.anchored_at,
                anchor_error=campaign.anchor_error,
                pending_transactions=[_transaction(t) for t in pending_at(mine, checkpoint)],
                failed_transactions=[_transaction(t) for t in failed_of(mine)],
            )
        )
    return views


def action_view(session: Session, campaign: Campaign, action: CampaignAction) -> CampaignActionPublic:
    mine = [t for t in tracked_transactions(session, [campaign])[campaign.id] if t.action_id == action.id]
    return CampaignActionPublic(
        id=action.id,
        campaign_id=campaign.id,
        kind=action.kind,
        amount=action.amount,
        transactions=[_transaction(t) for t in mine],
        created_at=action.created_at,
    )


def campaign_report(session: Session, mirror: Mirror, campaign: Campaign) -> CampaignReport:
    chain = mirror.campaign(campaign.escrow_address, campaign.chain_campaign_id)
    mine = tracked_transactions(session, [campaign])[campaign.id]
    shares = mirror.publishers_of(campaign.escrow_address, campaign.chain_campaign_id) if chain else []
    owners = _participants_by_address(session, [share.publisher for share in shares])
    deposit = chain.deposited if chain else 0
    spent = chain.cumulative_spent if chain else 0
    return CampaignReport(
        campaign_id=campaign.id,
        chain_campaign_id=campaign.chain_campaign_id,
        status=campaign_status(campaign, chain, mirror.chain_time()),
        token=_token(campaign),
        budget=campaign.budget,
        deposit=deposit,
        pending_deposit=pending_deposit(mine, mirror),
        spent=spent,
        matured_spent=chain.matured_spent if chain else 0,
        paid=chain.paid_out if chain else 0,
        fees=chain.settled - chain.paid_out if chain else 0,
        refunded=chain.refunded if chain else 0,
        available=0 if chain is None or chain.closed else deposit - spent,
        publishers=[
            PublisherShare(
                publisher=share.publisher,
                participant_id=owners.get(share.publisher),
                settled=share.settled,
                paid=share.paid,
                fees=share.fees,
            )
            for share in shares
        ],
        pending_transactions=[_transaction(t) for t in pending_of(mine, mirror)],
        failed_transactions=[_transaction(t) for t in failed_of(mine)],
    )


def _participants_by_address(session: Session, addresses: list[str]) -> dict[str, uuid.UUID]:
    if not addresses:
        return {}
    rows = session.exec(
        select(Participant.chain_address, Participant.id).where(col(Participant.chain_address).in_(addresses))
    )
    return {address: participant_id for address, participant_id in rows}
