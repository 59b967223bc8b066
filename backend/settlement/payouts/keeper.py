"""The keeper: what nobody has to do but someone must, for one campaign per call.

1. Undo epochs the chain will not pay (``reconcile``).
2. With no open challenge: mature the newest committed root whose window has passed.
   With one: once its resolution deadline has passed, expire it (the contract counts
   that as upheld). While a challenge is open nothing matures: that is the freeze.
3. Pay every active publisher of the newest matured root what it is owed beyond what
   it was settled (payouts from a matured root go on during a challenge, as the
   contract allows).
Each transaction goes to the outbox from the relayer key, unless one with the same
purpose is still on its way (``onchain.in_flight``): running the keeper twice queues
nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from backend.campaigns.chain import escrow_call
from backend.campaigns.mirror import Mirror
from backend.chain.outbox import enqueue
from backend.settlement.onchain.writes import SettlementChain, expire_reference, mature_reference
from backend.settlement.onchain.reads import chain_record, in_flight, maturable_epoch, open_challenge
from backend.settlement.payouts.owed import owed, payable, queue_payout
from backend.settlement.epochs.reconcile import reconcile_campaign, settlement_window_closed
from backend.settlement.epochs.store import lock_campaign

MATURE_KIND = "CampaignEscrow.matureSettlement"
EXPIRE_KIND = "CampaignEscrow.expireChallenge"


@dataclass
class KeeperResult:
    campaign_id: int
    undone: list[int] = field(default_factory=list)  # epochs whose settlements were undone
    matured: int | None = None  # epoch queued for maturing
    expired: bool = False
    payouts: list[str] = field(default_factory=list)  # publishers whose payout was queued

    @property
    def queued(self) -> int:
        return (self.matured is not None) + self.expired + len(self.payouts)


def keep_campaign(session: Session, chain: SettlementChain, mirror: Mirror, campaign_id: int) -> KeeperResult:
    """One keeper pass for one campaign in the caller's transaction; the caller commits."""
    result = KeeperResult(campaign_id)
    escrow = chain.escrow
    lock_campaign(session, campaign_id)
    campaign = mirror.campaign(escrow, campaign_id)
    chain_time = mirror.chain_time() or 0
    window_closed = campaign is not None and settlement_window_closed(campaign, chain_time)
    undone = reconcile_campaign(session, escrow, campaign_id, mirror_ready=mirror.ready, window_closed=window_closed)
    result.undone = [s.epoch for s in undone]
    escrow_row = mirror.escrow(escrow)
    if campaign is None or campaign.closed or (escrow_row is not None and escrow_row.paused):
        return result
    checkpoint = mirror.checkpoint_block()

    challenge = open_challenge(session, campaign)
    if challenge is not None:
        reference = expire_reference(escrow, campaign_id)
        if chain_time > challenge.deadline and not in_flight(session, reference, checkpoint):
            enqueue(session, sender=chain.relayer, to=escrow, data=escrow_call("expireChallenge", campaign_id),
                    kind=EXPIRE_KIND, reference=reference)
            result.expired = True
    else:
        row = maturable_epoch(session, campaign, chain_time)
        reference = mature_reference(escrow, campaign_id)
        if row is not None and not in_flight(session, reference, checkpoint):
            data = escrow_call("matureSettlement", campaign_id, row.epoch, chain_record(row).as_tuple())
            enqueue(session, sender=chain.relayer, to=escrow, data=data, kind=MATURE_KIND, reference=reference)
            result.matured = row.epoch

    for due in owed(session, campaign):
        if payable(session, chain, mirror, campaign, due):
            queue_payout(session, chain, campaign_id, due)
            result.payouts.append(due.publisher)
    session.flush()
    return result
