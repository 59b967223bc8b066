"""CampaignEscrow -> Escrow, EscrowToken, Campaign, Settlement, Challenge, CampaignPublisher, Payout, ...

Each handler replays the contract's own bookkeeping for one event (see
CampaignEscrow.sol), so the rows equal what the contract's views would return.
"""

from __future__ import annotations

from indexer.models import (
    Campaign,
    CampaignFunding,
    CampaignPublisher,
    Challenge,
    Escrow,
    EscrowToken,
    FeeWithdrawal,
    Payout,
    Settlement,
)
from indexer.projections.framework import Projection, ProjectionContext, new_row

projection = Projection("CampaignEscrow")

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
# ICampaignEscrow.ChallengeOutcome
OUTCOMES = ("upheld", "rejected", "expired")


def _escrow(ctx: ProjectionContext) -> dict:
    return ctx.load_or_new(Escrow, ctx.log.address)


def _campaign(ctx: ProjectionContext) -> dict:
    return ctx.require(Campaign, ctx.log.address, ctx.args["campaignId"])


@projection.on("Paused")
def paused(ctx: ProjectionContext) -> None:
    row = _escrow(ctx)
    row["paused"] = True
    ctx.save(Escrow, row)


@projection.on("Unpaused")
def unpaused(ctx: ProjectionContext) -> None:
    row = _escrow(ctx)
    row["paused"] = False
    ctx.save(Escrow, row)


@projection.on("TreasuryChanged")
def treasury_changed(ctx: ProjectionContext) -> None:
    row = _escrow(ctx)
    row["treasury"] = ctx.args["treasury"]
    ctx.save(Escrow, row)


@projection.on("ParamsChanged")
def params_changed(ctx: ProjectionContext) -> None:
    row = _escrow(ctx)
    row["settlement_grace"] = ctx.args["settlementGrace"]
    row["resolution_period"] = ctx.args["resolutionPeriod"]
    row["claim_period"] = ctx.args["claimPeriod"]
    row["min_challenge_window"] = ctx.args["minChallengeWindow"]
    row["max_challenge_window"] = ctx.args["maxChallengeWindow"]
    ctx.save(Escrow, row)


@projection.on("TokenConfigured")
def token_configured(ctx: ProjectionContext) -> None:
    row = ctx.load_or_new(EscrowToken, ctx.log.address, ctx.args["token"])
    row["allowed"] = ctx.args["allowed"]
    row["fee_bps"] = ctx.args["feeBps"]
    row["challenge_bond"] = ctx.args["challengeBond"]
    ctx.save(EscrowToken, row)


@projection.on("CampaignCreated")
def campaign_created(ctx: ProjectionContext) -> None:
    args = ctx.args
    row = new_row(
        Campaign,
        contract=ctx.log.address,
        campaign_id=args["campaignId"],
        advertiser=args["advertiser"],
        token=args["token"],
        terms_hash=args["termsHash"],
        attesters=list(args["attesters"]),
        threshold=args["threshold"],
        verifier=None if args["verifier"] == ZERO_ADDRESS else args["verifier"],
        challenge_window=args["challengeWindow"],
        end_time=args["endTime"],
        settlement_grace=args["settlementGrace"],
        fee_bps=args["feeBps"],
        challenge_bond=args["challengeBond"],
        created_block=ctx.log.block_number,
        created_at=ctx.log.block_timestamp,
    )
    ctx.save(Campaign, row)


@projection.on("CampaignFunded")
def campaign_funded(ctx: ProjectionContext) -> None:
    row = _campaign(ctx)
    row["deposited"] = ctx.args["deposited"]
    ctx.save(Campaign, row)
    ctx.record(
        CampaignFunding,
        campaign_id=ctx.args["campaignId"],
        funder=ctx.args["from"],
        amount=ctx.args["amount"],
        deposited=ctx.args["deposited"],
    )


@projection.on("SettlementCommitted")
def settlement_committed(ctx: ProjectionContext) -> None:
    args, log = ctx.args, ctx.log
    campaign = _campaign(ctx)
    campaign["cumulative_spent"] = args["cumulativeSpent"]
    campaign["latest_epoch"] = args["epoch"]
    campaign["pending_epochs"] = campaign["pending_epochs"] + [args["epoch"]]
    ctx.save(Campaign, campaign)
    settlement = new_row(
        Settlement,
        contract=log.address,
        campaign_id=args["campaignId"],
        epoch=args["epoch"],
        events_root=args["eventsRoot"],
        balance_root=args["balanceRoot"],
        cumulative_spent=args["cumulativeSpent"],
        event_count=args["eventCount"],
        revision=campaign["revision"],
        committed_at=log.block_timestamp,
        committed_block=log.block_number,
        tx_hash=log.tx_hash,
    )
    ctx.save(Settlement, settlement)


def _set_status(ctx: ProjectionContext, campaign_id: int, epoch: int, status: str) -> dict:
    row = ctx.require(Settlement, ctx.log.address, campaign_id, epoch)
    row["status"] = status
    ctx.save(Settlement, row)
    return row


@projection.on("SettlementMatured")
def settlement_matured(ctx: ProjectionContext) -> None:
    args = ctx.args
    campaign = _campaign(ctx)
    epoch = args["epoch"]
    for earlier in (e for e in campaign["pending_epochs"] if e < epoch):
        _set_status(ctx, args["campaignId"], earlier, "superseded")
    settlement = _set_status(ctx, args["campaignId"], epoch, "matured")
    settlement["matured_block"] = ctx.log.block_number
    ctx.save(Settlement, settlement)
    campaign["pending_epochs"] = [e for e in campaign["pending_epochs"] if e > epoch]
    campaign["matured_epoch"] = epoch
    campaign["matured_root"] = args["balanceRoot"]
    campaign["matured_spent"] = args["cumulativeSpent"]
    ctx.save(Campaign, campaign)


@projection.on("PaidOut")
def paid_out(ctx: ProjectionContext) -> None:
    args, log = ctx.args, ctx.log
    publisher = ctx.load_or_new(CampaignPublisher, log.address, args["campaignId"], args["publisher"])
    campaign = _campaign(ctx)
    campaign["settled"] += args["cumulativeEarned"] - publisher["settled"]
    campaign["fees_pending"] += args["fee"]
    campaign["paid_out"] += args["amount"]
    ctx.save(Campaign, campaign)
    publisher["settled"] = args["cumulativeEarned"]
    publisher["paid"] += args["amount"]
    publisher["fees"] += args["fee"]
    ctx.save(CampaignPublisher, publisher)
    ctx.record(
        Payout,
        campaign_id=args["campaignId"],
        publisher=args["publisher"],
        cumulative_earned=args["cumulativeEarned"],
        amount=args["amount"],
        fee=args["fee"],
    )


@projection.on("FeesWithdrawn")
def fees_withdrawn(ctx: ProjectionContext) -> None:
    args = ctx.args
    campaign = _campaign(ctx)
    campaign["fees_pending"] -= args["amount"]
    campaign["fees_withdrawn"] += args["amount"]
    ctx.save(Campaign, campaign)
    ctx.record(
        FeeWithdrawal,
        campaign_id=args["campaignId"],
        token=args["token"],
        treasury=args["treasury"],
        amount=args["amount"],
    )


@projection.on("SettlementChallenged")
def settlement_challenged(ctx: ProjectionContext) -> None:
    args, log = ctx.args, ctx.log
    campaign = _campaign(ctx)
    campaign["challenge_count"] += 1
    campaign["open_challenge"] = campaign["challenge_count"]
    ctx.save(Campaign, campaign)
    challenge = new_row(
        Challenge,
        contract=log.address,
        campaign_id=args["campaignId"],
        number=campaign["challenge_count"],
        epoch=args["epoch"],
        challenger=args["challenger"],
        bond=args["bond"],
        deadline=args["deadline"],
        opened_block=log.block_number,
    )
    ctx.save(Challenge, challenge)


@projection.on("ChallengeResolved")
def challenge_resolved(ctx: ProjectionContext) -> None:
    args, log = ctx.args, ctx.log
    outcome = OUTCOMES[args["outcome"]]
    campaign = _campaign(ctx)
    challenge = ctx.require(Challenge, log.address, args["campaignId"], campaign["open_challenge"])
    challenge["outcome"] = outcome
    challenge["resolver"] = args["resolver"]
    challenge["resolved_block"] = log.block_number
    challenge["revision_after"] = args["revision"]
    challenge["cumulative_spent_after"] = args["cumulativeSpent"]
    ctx.save(Challenge, challenge)
    if outcome == "rejected":
        campaign["resumed_at"] = log.block_timestamp
    else:
        for epoch in campaign["pending_epochs"]:
            _set_status(ctx, args["campaignId"], epoch, "discarded")
        campaign["pending_epochs"] = []
    campaign["open_challenge"] = None
    campaign["revision"] = args["revision"]
    campaign["cumulative_spent"] = args["cumulativeSpent"]
    ctx.save(Campaign, campaign)


def _set_flag(ctx: ProjectionContext, column: str, value) -> None:
    campaign = _campaign(ctx)
    campaign[column] = value
    ctx.save(Campaign, campaign)


@projection.on("CampaignPaused")
def campaign_paused(ctx: ProjectionContext) -> None:
    _set_flag(ctx, "paused", True)


@projection.on("CampaignUnpaused")
def campaign_unpaused(ctx: ProjectionContext) -> None:
    _set_flag(ctx, "paused", False)


@projection.on("CampaignEnded")
def campaign_ended(ctx: ProjectionContext) -> None:
    _set_flag(ctx, "end_time", ctx.args["endTime"])


@projection.on("CampaignRefunded")
def campaign_refunded(ctx: ProjectionContext) -> None:
    campaign = _campaign(ctx)
    campaign["closed"] = True
    campaign["refunded"] = ctx.args["amount"]
    ctx.save(Campaign, campaign)
