"""Settlements, settlement reports and publishers' payouts as the API answers them.

Our rows say what was priced and signed; the outbox what is on its way; the mirror what
the chain holds (commits, maturing, challenges, payouts with their transactions).
Billed figures come from the ads traffic report (``backend.ads.reports``), joined on
(campaign, publisher) with the balance snapshots and the mirror.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlmodel import Session, col, select

from backend.ads.models import AdPublisherTally
from backend.ads.reports import campaign_condition, publisher_condition, traffic_lines
from backend.campaigns.mirror import Mirror
from backend.campaigns.models import Campaign
from backend.campaigns.schemas import PublisherCampaignLine, PublisherReport, PublisherTotal
from backend.chain.outbox import PENDING, OutboxStatus, OutboxTransaction
from backend.identity.models import Participant
from backend.settlement.onchain.writes import payout_reference, resolve_reference
from backend.settlement.models import Settlement, SettlementStatus
from backend.settlement.onchain.reads import chain_settlements, matures_at, open_challenge
from backend.settlement.payouts.owed import matured_settlement, matured_settlements
from backend.settlement.schemas import (
    CampaignSettlements,
    ChallengePublic,
    PayoutPublic,
    PublisherPayoutLine,
    PublisherPayouts,
    PublisherSettlementLine,
    SettlementPublic,
    SettlementReport,
    TransactionRef,
)
from backend.settlement.epochs.store import balances_of, balances_of_publisher, live_settlements, newest_live_ids
from indexer.models import (
    Campaign as ChainCampaign,
    CampaignPublisher,
    Challenge as ChainChallenge,
    Payout,
    Settlement as ChainSettlement,
)


def transaction_ref(row: OutboxTransaction) -> TransactionRef:
    return TransactionRef(
        outbox_id=row.id,
        kind=row.kind,
        status=row.status,
        tx_hash=row.tx_hash,
        block_number=row.block_number,
        error=row.error,
    )


def challenge_queue(session: Session, rows: list[ChainChallenge]) -> list[ChallengePublic]:
    """The challenges with their platform campaign and whether a resolution is on its way to the chain."""
    queue = []
    for row in rows:
        campaign = session.exec(select(Campaign).where(
            Campaign.escrow_address == row.contract, Campaign.chain_campaign_id == row.campaign_id)).first()
        pending = row.outcome is None and session.exec(select(OutboxTransaction.id).where(
            OutboxTransaction.reference == resolve_reference(row.contract, row.campaign_id),
            col(OutboxTransaction.status).in_(PENDING))).first() is not None
        queue.append(challenge_public(row).model_copy(update={
            "campaign_id": campaign.id if campaign else None, "campaign_name": campaign.name if campaign else None,
            "resolution_pending": pending}))
    return queue


def challenge_public(row: ChainChallenge) -> ChallengePublic:
    return ChallengePublic(
        chain_campaign_id=row.campaign_id,
        number=row.number,
        epoch=row.epoch,
        challenger=row.challenger,
        bond=row.bond,
        deadline=row.deadline,
        outcome=row.outcome,
        resolver=row.resolver,
    )


def settlement_status(
    settlement: Settlement, outbox: OutboxTransaction | None, mirrored: ChainSettlement | None, challenged: bool
) -> str:
    if settlement.status != SettlementStatus.LIVE:
        return str(settlement.status)
    if mirrored is not None:
        return "challenged" if mirrored.status == "committed" and challenged else mirrored.status
    if settlement.outbox_id is None:
        return "awaiting_attestations"  # co-signed: its commit waits for the other attesters
    if outbox is not None and outbox.status == OutboxStatus.MINED:
        return "mined"
    return "queued" if outbox is None or outbox.status == OutboxStatus.QUEUED else "sending"


def campaign_settlements(session: Session, mirror: Mirror, campaign: Campaign) -> CampaignSettlements:
    chain_id = campaign.chain_campaign_id
    on_chain = mirror.campaign(campaign.escrow_address, chain_id)
    empty = CampaignSettlements(
        campaign_id=campaign.id, chain_campaign_id=chain_id, token=campaign.token_symbol,
        challenge_window=None, matured_epoch=None, chain_time=mirror.chain_time(), open_challenge=None,
        challenges=[], settlements=[],
    )
    if chain_id is None:
        return empty
    rows = list(
        session.exec(
            select(Settlement)
            .where(Settlement.escrow_address == campaign.escrow_address, Settlement.campaign_id == chain_id)
            .order_by(col(Settlement.epoch).desc())
        )
    )
    outbox = _outbox_rows(session, [row.outbox_id for row in rows])
    mirrored = chain_settlements(session, campaign.escrow_address, chain_id) if mirror.ready else {}
    challenge = open_challenge(session, on_chain) if on_chain else None
    challenges = list(
        session.exec(
            select(ChainChallenge)
            .where(ChainChallenge.contract == campaign.escrow_address, ChainChallenge.campaign_id == chain_id)
            .order_by(col(ChainChallenge.number).desc())
        )
    ) if on_chain else []
    views = []
    for row in rows:
        chain_row = mirrored.get(row.epoch)
        if chain_row is not None and chain_row.events_root.lower() != "0x" + row.events_root.hex():
            chain_row = None
        views.append(
            SettlementPublic(
                id=row.id,
                epoch=row.epoch,
                status=settlement_status(row, outbox.get(row.outbox_id), chain_row, challenge is not None),
                status_reason=row.status_reason,
                events_root="0x" + row.events_root.hex(),
                balance_root="0x" + row.balance_root.hex(),
                cumulative_spent=row.cumulative_spent,
                billed_amount=row.billed_amount,
                event_count=row.event_count,
                priced_count=row.priced_count,
                commit=transaction_ref(outbox[row.outbox_id]) if row.outbox_id in outbox else None,
                committed_at=chain_row.committed_at if chain_row else None,
                matures_at=matures_at(chain_row, on_chain) if chain_row and on_chain else None,
                revision=chain_row.revision if chain_row else None,
            )
        )
    return empty.model_copy(
        update={
            "challenge_window": on_chain.challenge_window if on_chain else None,
            "matured_epoch": on_chain.matured_epoch if on_chain else None,
            "open_challenge": challenge_public(challenge) if challenge else None,
            "challenges": [challenge_public(c) for c in challenges],
            "settlements": views,
        }
    )


def settlement_report(session: Session, mirror: Mirror, campaign: Campaign) -> SettlementReport:
    chain_id = campaign.chain_campaign_id
    escrow = campaign.escrow_address
    on_chain = mirror.campaign(escrow, chain_id)
    lines = traffic_lines(session.connection(), campaign_condition(chain_id)) if chain_id is not None else []
    billed = {line.publisher: line.total for line in lines}
    live = live_settlements(session, escrow, chain_id) if chain_id is not None else []
    committed = balances_of(session, live[-1].id) if live else {}
    matured_row = matured_settlement(session, on_chain) if on_chain else None
    matured = balances_of(session, matured_row.id) if matured_row else {}
    shares = _shares(session, escrow, chain_id) if on_chain else {}
    owners = _participants(session, [*billed, *committed, *shares])
    publishers = []
    for publisher in sorted(set(billed) | set(committed) | set(shares)):
        share = shares.get(publisher)
        settled = share.settled if share else 0
        counts = billed.get(publisher)
        publishers.append(
            PublisherSettlementLine(
                publisher=publisher,
                participant_id=owners.get(publisher),
                billed_events=counts.billed if counts else 0,
                billed=counts.billed_amount if counts else 0,
                committed=committed.get(publisher, 0),
                matured=matured.get(publisher, 0),
                settled=settled,
                paid=share.paid if share else 0,
                fees=share.fees if share else 0,
                claimable=max(matured.get(publisher, 0) - settled, 0),
            )
        )
    return SettlementReport(
        campaign_id=campaign.id,
        chain_campaign_id=chain_id,
        token=campaign.token_symbol,
        deposit=on_chain.deposited if on_chain else 0,
        billed_events=sum(line.billed_events for line in publishers),
        billed=sum(int(line.billed) for line in publishers),
        spent=live[-1].cumulative_spent if live else 0,
        committed_on_chain=on_chain.cumulative_spent if on_chain else 0,
        matured=on_chain.matured_spent if on_chain else 0,
        paid=on_chain.paid_out if on_chain else 0,
        fees=(on_chain.settled - on_chain.paid_out) if on_chain else 0,
        claimable=sum(int(line.claimable) for line in publishers),
        publishers=publishers,
    )


def publisher_payouts(session: Session, mirror: Mirror, escrow: str | None, publisher: Participant) -> PublisherPayouts:
    address = publisher.chain_address
    result = PublisherPayouts(participant_id=publisher.id, address=address, campaigns=[])
    if address is None or escrow is None:
        return result
    lines = traffic_lines(session.connection(), publisher_condition(address))
    billed = {line.campaign_id: line.total for line in lines}
    shares = {
        row.campaign_id: row
        for row in session.exec(
            select(CampaignPublisher).where(
                CampaignPublisher.contract == escrow, CampaignPublisher.publisher == address
            )
        )
    } if mirror.ready else {}
    chain_ids = sorted(set(billed) | set(shares))
    campaigns = _campaigns_by_chain_id(session, escrow, chain_ids)
    chain_rows = mirror.campaigns(escrow, chain_ids)
    payouts = _payouts(session, escrow, address, chain_ids) if mirror.ready else defaultdict(list)
    # A fixed number of queries however many campaigns: the newest live and the matured settlement
    # of each, this publisher's leaves in them, and the payouts on their way.
    newest = newest_live_ids(session, escrow, chain_ids)
    matured_rows = matured_settlements(session, escrow, chain_rows.values())
    earnings = balances_of_publisher(session, [*newest.values(), *(row.id for row in matured_rows.values())], address)
    references = {payout_reference(escrow, chain_id, address): chain_id for chain_id in chain_ids}
    in_flight_rows: dict[int, list[OutboxTransaction]] = defaultdict(list)
    for row in _in_flight(session, list(references)):
        in_flight_rows[references[row.reference]].append(row)
    for chain_id in chain_ids:
        on_chain: ChainCampaign | None = chain_rows.get(chain_id)
        committed = earnings.get(newest[chain_id], 0) if chain_id in newest else 0
        matured_row = matured_rows.get(chain_id)
        matured = earnings.get(matured_row.id, 0) if matured_row else 0
        share = shares.get(chain_id)
        settled = share.settled if share else 0
        counts = billed.get(chain_id)
        earned = max(counts.billed_amount if counts else 0, settled)
        campaign = campaigns.get(chain_id)
        in_flight = in_flight_rows[chain_id]
        result.campaigns.append(
            PublisherPayoutLine(
                campaign_id=campaign.id if campaign else None,
                chain_campaign_id=chain_id,
                token=campaign.token_symbol if campaign else (on_chain.token if on_chain else "?"),
                billed=earned,
                committed=committed,
                matured=matured,
                settled=settled,
                paid=share.paid if share else 0,
                fees=share.fees if share else 0,
                pending=earned - settled,
                claimable=max(matured - settled, 0),
                frozen=bool(on_chain and on_chain.open_challenge is not None),
                payouts=payouts[chain_id],
                in_flight=[transaction_ref(row) for row in in_flight],
            )
        )
    return result


def publisher_report(session: Session, mirror: Mirror, escrow: str | None, publisher: Participant) -> PublisherReport:
    """Earned (billed, from the pricing tallies), paid and fees (payouts, from the mirror), per campaign and token."""
    address = publisher.chain_address
    if address is None or escrow is None:
        return PublisherReport(participant_id=publisher.id, address=address, campaigns=[], totals=[])
    earned = {
        row.campaign_id: row.earned
        for row in session.exec(select(AdPublisherTally).where(AdPublisherTally.publisher == address))
    }
    shares = {share.campaign_id: share for share in mirror.campaigns_of_publisher(escrow, address)}
    chain_ids = sorted(set(earned) | set(shares))
    campaigns = _campaigns_by_chain_id(session, escrow, chain_ids)
    chain_rows = mirror.campaigns(escrow, chain_ids)
    lines = []
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for chain_id in chain_ids:
        share = shares.get(chain_id)
        settled, paid, fees = (share.settled, share.paid, share.fees) if share else (0, 0, 0)
        total_earned = max(earned.get(chain_id, 0), settled)
        campaign = campaigns.get(chain_id)
        token = campaign.token_symbol if campaign else (chain_rows[chain_id].token if chain_id in chain_rows else "?")
        line = PublisherCampaignLine(
            campaign_id=campaign.id if campaign else None,
            chain_campaign_id=chain_id,
            token=token,
            earned=total_earned,
            paid=paid,
            fees=fees,
            pending=total_earned - settled,
        )
        lines.append(line)
        for name in ("earned", "paid", "fees", "pending"):
            totals[token][name] += getattr(line, name)
    return PublisherReport(
        participant_id=publisher.id,
        address=address,
        campaigns=lines,
        totals=[PublisherTotal(token=token, **sums) for token, sums in sorted(totals.items())],
    )


def _campaigns_by_chain_id(session: Session, escrow: str, chain_ids: list[int]) -> dict[int, Campaign]:
    if not chain_ids:
        return {}
    rows = session.exec(
        select(Campaign).where(Campaign.escrow_address == escrow, col(Campaign.chain_campaign_id).in_(chain_ids))
    )
    return {c.chain_campaign_id: c for c in rows}


def _in_flight(session: Session, references: list[str]) -> list[OutboxTransaction]:
    """The outbox rows with one of `references` that are still on their way, in sending order."""
    if not references:
        return []
    return list(session.exec(
        select(OutboxTransaction)
        .where(col(OutboxTransaction.reference).in_(references), col(OutboxTransaction.status).in_(PENDING))
        .order_by(col(OutboxTransaction.id))
    ))


def _outbox_rows(session: Session, ids: list[int | None]) -> dict[int, OutboxTransaction]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {row.id: row for row in session.exec(select(OutboxTransaction).where(col(OutboxTransaction.id).in_(wanted)))}


def _shares(session: Session, escrow: str, campaign_id: int) -> dict[str, CampaignPublisher]:
    rows = session.exec(
        select(CampaignPublisher).where(
            CampaignPublisher.contract == escrow, CampaignPublisher.campaign_id == campaign_id
        )
    )
    return {row.publisher: row for row in rows}


def _payouts(session: Session, escrow: str, publisher: str, chain_ids: list[int]) -> dict[int, list[PayoutPublic]]:
    result: dict[int, list[PayoutPublic]] = defaultdict(list)
    rows = session.exec(
        select(Payout)
        .where(Payout.contract == escrow, Payout.publisher == publisher, col(Payout.campaign_id).in_(chain_ids))
        .order_by(Payout.block_number, Payout.log_index)
    )
    for row in rows:
        result[row.campaign_id].append(
            PayoutPublic(
                cumulative_earned=row.cumulative_earned,
                amount=row.amount,
                fee=row.fee,
                tx_hash=row.tx_hash,
                block_number=row.block_number,
                block_timestamp=row.block_timestamp,
            )
        )
    return result


def _participants(session: Session, addresses: list[str]) -> dict[str, uuid.UUID]:
    if not addresses:
        return {}
    rows = session.exec(select(Participant).where(col(Participant.chain_address).in_(sorted(set(addresses)))))
    return {row.chain_address: row.id for row in rows}
