"""Money and lifecycle calls on an anchored campaign: fund (and top up), pause, unpause, end, refund.

Each checks the campaign's state in the mirror first, so a call the escrow would refuse
gets a coded 409 instead of a reverted transaction; the chain still has the last word.
A custodial advertiser's fund is two transactions from its key, approve then fund (the
sender keeps their order); a wallet signs one fundWithPermit (or fund after its own
approve). Lifecycle calls wait for the previous one to be mirrored, so two requests
cannot queue calls that contradict each other.
"""

from __future__ import annotations

from sqlmodel import Session

from backend.campaigns.errors import (
    CampaignClosed,
    CampaignEnded,
    CampaignFailed,
    CampaignNotOnChain,
    CampaignNotPaused,
    CampaignPaused,
    ChallengeOpen,
    DepositOverflow,
    InsufficientTokenBalance,
    RefundNotAvailable,
    SettlementNotMatured,
    TokenNoLongerAllowed,
    TransactionPending,
)
from backend.campaigns.amounts import MAX_AMOUNT
from backend.campaigns.anchoring import refresh
from backend.campaigns.chain import ESCROW, decode_escrow_call, escrow_call, token_call
from backend.campaigns.mirror import Mirror
from backend.campaigns.models import AnchorStatus, Campaign, CampaignAction, CampaignActionKind
from backend.campaigns.status import pending_deposit, pending_of, tracked_transactions
from backend.campaigns.submission import Call, ChainWriter, Submission
from backend.identity.models import Participant
from indexer.models import Campaign as ChainCampaign

LIFECYCLE = {
    CampaignActionKind.PAUSE: "pauseCampaign",
    CampaignActionKind.UNPAUSE: "unpauseCampaign",
    CampaignActionKind.END: "endCampaign",
    CampaignActionKind.REFUND: "refund",
}


def on_chain(session: Session, mirror: Mirror, campaign: Campaign) -> ChainCampaign:
    """The campaign's mirrored state; 409 while it is not (yet) on chain."""
    refresh(session, mirror, [campaign])
    if campaign.anchoring == AnchorStatus.FAILED:
        raise CampaignFailed(f"the campaign was not created on chain: {campaign.anchor_error}")
    chain = mirror.campaign(campaign.escrow_address, campaign.chain_campaign_id)
    if chain is None:
        raise CampaignNotOnChain("createCampaign is not mined and mirrored yet; try again shortly")
    return chain


def fund(
    writer: ChainWriter,
    mirror: Mirror,
    campaign: Campaign,
    advertiser: Participant,
    amount: int,
    *,
    permit: tuple[int, int, bytes, bytes] | None = None,
    signed_transaction: str | None = None,
) -> CampaignAction:
    """Add `amount` to the deposit; `permit` is (deadline, v, r, s) of the wallet's EIP-2612 permit."""
    session = writer.session
    chain = on_chain(session, mirror, campaign)
    if chain.closed:
        raise CampaignClosed("the campaign was refunded; no money moves again")
    config = mirror.token_config(campaign.escrow_address, campaign.token_address)
    if config is None or not config.allowed:
        raise TokenNoLongerAllowed(f"{campaign.token_symbol} is no longer on the escrow's allowlist")
    transactions = tracked_transactions(session, [campaign])[campaign.id]
    committed = chain.deposited + pending_deposit(transactions, mirror)
    if committed + amount > MAX_AMOUNT:
        raise DepositOverflow(f"the deposit would pass {MAX_AMOUNT} base units")
    balance = mirror.balance(campaign.token_address, campaign.advertiser_address)
    if balance < amount:
        raise InsufficientTokenBalance(
            
            f"{campaign.advertiser_address} holds {balance} base units of {campaign.token_symbol}, less than {amount}",
            {"balance": str(balance), "amount": str(amount)},
        )

    chain_id = campaign.chain_campaign_id
    escrow = campaign.escrow_address
    approve = Call(campaign.token_address, token_call("approve", escrow, amount), "SettlementToken.approve")
    deposit = Call(escrow, escrow_call("fund", chain_id, amount), f"{ESCROW}.fund")
    if permit is not None:
        wallet_call = Call(escrow, escrow_call("fundWithPermit", chain_id, amount, *permit), f"{ESCROW}.fundWithPermit")
    else:
        wallet_call = deposit

    def accepts(data: bytes) -> str | None:
        decoded = decode_escrow_call(data)
        if decoded is None or decoded[0] not in ("fund", "fundWithPermit"):
            return "the transaction must call fund or fundWithPermit on the escrow"
        name, args = decoded
        if args["campaignId"] != chain_id or args["amount"] != amount:
            return f"{name} must fund campaign {chain_id} with {amount}"
        return None

    outbox_ids = writer.submit(
        advertiser,
        campaign.advertiser_address,
        Submission([approve, deposit], wallet_call, accepts),
        signed=signed_transaction,
        reference=campaign.reference,
    )
    # The budget follows top-ups past it: it is never below what was put in.
    campaign.budget = max(campaign.budget, committed + amount)
    session.add(campaign)
    return _record(session, campaign, advertiser, CampaignActionKind.FUND, outbox_ids, amount)


def change_lifecycle(
    writer: ChainWriter,
    mirror: Mirror,
    campaign: Campaign,
    advertiser: Participant,
    kind: CampaignActionKind,
    *,
    now: int,
    signed_transaction: str | None = None,
) -> CampaignAction:
    """Queue pauseCampaign, unpauseCampaign, endCampaign or refund after checking the campaign allows it."""
    session = writer.session
    chain = on_chain(session, mirror, campaign)
    transactions = tracked_transactions(session, [campaign])[campaign.id]
    if any(t.action in LIFECYCLE for t in pending_of(transactions, mirror)):
        raise TransactionPending("a previous pause, unpause, end or refund is not mirrored yet")
    chain_now = mirror.chain_time() or now
    _check_lifecycle(kind, chain, chain_now)
    function = LIFECYCLE[kind]
    call = Call(campaign.escrow_address, escrow_call(function, campaign.chain_campaign_id), f"{ESCROW}.{function}")
    outbox_ids = writer.submit(
        advertiser, campaign.advertiser_address, Submission([call], call), signed=signed_transaction,
        reference=campaign.reference,
    )
    return _record(session, campaign, advertiser, kind, outbox_ids, None)


def refund_available_at(chain: ChainCampaign) -> int:
    """CampaignEscrow.refund: end time, then the settlement grace, then one challenge window."""
    return chain.end_time + chain.settlement_grace + chain.challenge_window


def _check_lifecycle(kind: CampaignActionKind, chain: ChainCampaign, chain_now: int) -> None:
    if chain.closed:
        raise CampaignClosed("the campaign was refunded; nothing changes any more")
    ended = chain_now >= chain.end_time
    if kind in (CampaignActionKind.PAUSE, CampaignActionKind.UNPAUSE, CampaignActionKind.END) and ended:
        raise CampaignEnded(f"the campaign ended at {chain.end_time}", {"end_time": chain.end_time})
    if kind == CampaignActionKind.PAUSE and chain.paused:
        raise CampaignPaused("the campaign is paused already")
    if kind == CampaignActionKind.UNPAUSE and not chain.paused:
        raise CampaignNotPaused("the campaign is not paused")
    if kind == CampaignActionKind.REFUND:
        available_at = refund_available_at(chain)
        if chain_now < available_at:
            raise RefundNotAvailable(
                
                f"a refund is possible from {available_at} (end time + settlement grace + challenge window)",
                {"available_at": available_at, "chain_time": chain_now},
            )
        if chain.open_challenge is not None:
            raise ChallengeOpen("a settlement of this campaign is challenged")
        if chain.pending_epochs:
            raise SettlementNotMatured(
                
                "committed settlements must mature first",
                {"epochs": chain.pending_epochs},
            )


def _record(
    session: Session,
    campaign: Campaign,
    participant: Participant,
    kind: CampaignActionKind,
    outbox_ids: list[int],
    amount: int | None,
) -> CampaignAction:
    action = CampaignAction(
        campaign_id=campaign.id, kind=kind, amount=amount, requested_by=participant.id, outbox_ids=outbox_ids
    )
    session.add(action)
    session.flush()
    return action
