"""Challenges through the API: the advertiser or a publisher disputes a root, an auditor resolves it.

Every rule ``CampaignEscrow.challenge`` and ``resolveChallenge`` enforce is checked here
first against the mirror, with a coded 4xx, so a request that passes only fails on
chain if the chain moved in between. The calls go from the caller's custodial key
(bond approval, then the call) or as the transaction its wallet signed (a wallet
approves the bond itself first). An auditor upholding a challenge may name the billed
events it found invalid: they are filtered when the discarded epochs are settled again
(``reconcile``), so the attesters' next commit carries corrected figures.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select as core_select
from sqlmodel import Session

from backend.ads.models import AdEvent, EventStatus
from backend.settlement.errors import (
    CampaignClosed,
    CampaignNotOnChain,
    ChallengeOpen,
    ChallengeWindowClosed,
    CorrectionsNeedUpheld,
    InvalidEvents,
    NoChainAddress,
    NoOpenChallenge,
    NotCampaignMember,
    NotChallengeable,
    ResolutionDeadlinePassed,
    UnknownCampaign,
)
from backend.campaigns.chain import escrow_call, token_call
from backend.campaigns.mirror import Mirror
from backend.campaigns.models import Campaign
from backend.campaigns.submission import Call, ChainWriter, Submission
from backend.chain.outbox import OutboxTransaction
from backend.identity.models import Participant
from backend.identity.roles import Role
from backend.proofs.merkle import MerkleTree
from backend.settlement.onchain.writes import challenge_reference, resolve_reference
from backend.settlement.encoding.leaf_hashing import balance_leaf_hash
from backend.settlement.models import SettlementCorrection
from backend.settlement.onchain.reads import chain_record, matures_at, open_challenge
from backend.settlement.payouts.owed import matured_settlement
from backend.settlement.schemas import ChallengeAction
from backend.settlement.epochs.store import balances_of, settlement_at
from backend.settlement.reports import transaction_ref
from indexer.models import Campaign as ChainCampaign, Settlement as ChainSettlement

CHALLENGE_KIND = "CampaignEscrow.challenge"
RESOLVE_KIND = "CampaignEscrow.resolveChallenge"
APPROVE_KIND = "SettlementToken.approve"


def _on_chain(mirror: Mirror, campaign: Campaign) -> ChainCampaign:
    on_chain = mirror.campaign(campaign.escrow_address, campaign.chain_campaign_id)
    if on_chain is None:
        raise CampaignNotOnChain("the campaign is not on chain (or not mirrored) yet")
    if on_chain.closed:
        raise CampaignClosed("the campaign was refunded and closed")
    return on_chain


def _address(participant: Participant) -> str:
    if participant.chain_address is None:
        raise NoChainAddress("this participant has no chain address")
    return participant.chain_address


def _membership(session: Session, on_chain: ChainCampaign, epoch: int, publisher: str) -> tuple[int, list[bytes]]:
    """The publisher's balance leaf in the challenged root or the matured one, as the contract wants it."""
    for settlement in (settlement_at(session, on_chain.contract, on_chain.campaign_id, epoch),
                       matured_settlement(session, on_chain)):
        if settlement is None:
            continue
        balances = balances_of(session, settlement.id)
        if publisher in balances:
            tree = MerkleTree([balance_leaf_hash(on_chain.campaign_id, p, a) for p, a in balances.items()])
            cumulative = balances[publisher]
            return cumulative, tree.proof(balance_leaf_hash(on_chain.campaign_id, publisher, cumulative))
    raise NotCampaignMember(
        
        "only the advertiser, or a publisher with earnings in this root or the matured one, may challenge",
    )


def _refs(session: Session, ids: Sequence[int]) -> list:
    return [transaction_ref(session.get(OutboxTransaction, i)) for i in ids]


def open_dispute(
    writer: ChainWriter,
    mirror: Mirror,
    campaign: Campaign,
    participant: Participant,
    role: Role,
    epoch: int,
    *,
    signed: str | None,
) -> ChallengeAction:
    session = writer.session
    on_chain = _on_chain(mirror, campaign)
    challenger = _address(participant)
    if role == Role.ADVERTISER and campaign.advertiser_id != participant.id:
        raise UnknownCampaign(f"no campaign {campaign.id}")
    if open_challenge(session, on_chain) is not None:
        raise ChallengeOpen("the campaign has an open challenge; one at a time")
    row = session.get(ChainSettlement, (on_chain.contract, on_chain.campaign_id, epoch))
    if row is None or row.status != "committed" or row.revision != on_chain.revision or epoch <= on_chain.matured_epoch:
        raise NotChallengeable(
            f"epoch {epoch} is not a committed, unmatured root of this campaign",
            {"status": row.status if row else None, "matured_epoch": on_chain.matured_epoch},
        )
    closes_at = matures_at(row, on_chain)
    if (mirror.chain_time() or 0) >= closes_at:
        raise ChallengeWindowClosed(f"the challenge window of epoch {epoch} closed at {closes_at}",
                       {"closed_at": closes_at})
    cumulative, proof = (0, []) if role == Role.ADVERTISER else _membership(session, on_chain, epoch, challenger)
    escrow = on_chain.contract
    challenge = Call(escrow, escrow_call("challenge", on_chain.campaign_id, epoch, chain_record(row).as_tuple(),
                                         cumulative, proof), CHALLENGE_KIND)
    calls = [challenge]
    if on_chain.challenge_bond:
        calls.insert(0, Call(on_chain.token, token_call("approve", escrow, on_chain.challenge_bond), APPROVE_KIND))
    ids = writer.submit(participant, challenger, Submission(calls, challenge), signed=signed,
                        reference=challenge_reference(escrow, on_chain.campaign_id))
    return ChallengeAction(chain_campaign_id=on_chain.campaign_id, epoch=epoch, transactions=_refs(session, ids))


def resolve_dispute(
    writer: ChainWriter,
    mirror: Mirror,
    campaign: Campaign,
    auditor: Participant,
    *,
    upheld: bool,
    invalid_event_ids: Sequence[int],
    signed: str | None,
) -> ChallengeAction:
    session = writer.session
    on_chain = _on_chain(mirror, campaign)
    challenge = open_challenge(session, on_chain)
    if challenge is None:
        raise NoOpenChallenge("the campaign has no open challenge")
    if (mirror.chain_time() or 0) > challenge.deadline:
        raise ResolutionDeadlinePassed("the deadline passed: the challenge expires as upheld",
                       {"deadline": challenge.deadline})
    if invalid_event_ids and not upheld:
        raise CorrectionsNeedUpheld("invalid events can only be named when upholding")
    wanted = sorted(set(invalid_event_ids))
    _check_billed(session, on_chain.campaign_id, wanted)
    escrow = on_chain.contract
    call = Call(escrow, escrow_call("resolveChallenge", on_chain.campaign_id, upheld), RESOLVE_KIND)
    ids = writer.submit(auditor, _address(auditor), Submission([call], call), signed=signed,
                        reference=resolve_reference(escrow, on_chain.campaign_id))
    for event_id in wanted:
        session.add(SettlementCorrection(escrow_address=escrow, campaign_id=on_chain.campaign_id,
                                         challenge_epoch=challenge.epoch, event_id=event_id, requested_by=auditor.id))
    session.flush()
    return ChallengeAction(chain_campaign_id=on_chain.campaign_id, epoch=challenge.epoch,
                           transactions=_refs(session, ids), corrections=len(wanted))


def _check_billed(session: Session, campaign_id: int, event_ids: list[int]) -> None:
    if not event_ids:
        return
    events = AdEvent.__table__
    found = dict(
        session.connection().execute(
            core_select(events.c.id, events.c.status).where(
                events.c.id.in_(event_ids), events.c.campaign_id == campaign_id
            )
        ).all()
    )
    bad = [i for i in event_ids if found.get(i) != EventStatus.BILLED]
    if bad:
        raise InvalidEvents("these ids are not billed events of this campaign", bad[:100])
