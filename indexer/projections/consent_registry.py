"""ConsentRegistry -> ConsentOffer, Consent, ConsentReward."""

from __future__ import annotations

from indexer.models import Consent, ConsentOffer, ConsentReward
from indexer.projections.framework import Projection, ProjectionContext, new_row

projection = Projection("ConsentRegistry")


@projection.on("OfferPublished")
def offer_published(ctx: ProjectionContext) -> None:
    args = ctx.args
    offer = new_row(
        ConsentOffer,
        contract=ctx.log.address,
        offer_id=args["offerId"],
        advertiser=args["advertiser"],
        token=args["token"],
        purpose=args["purpose"],
        data_categories_hash=args["dataCategoriesHash"],
        compensation=args["compensation"],
        cap=args["cap"],
        period_length=args["periodLength"],
        published_block=ctx.log.block_number,
    )
    ctx.save(ConsentOffer, offer)


@projection.on("OfferClosed")
def offer_closed(ctx: ProjectionContext) -> None:
    offer = ctx.require(ConsentOffer, ctx.log.address, ctx.args["offerId"])
    offer["closed"] = True
    offer["refund"] = ctx.args["refund"]
    ctx.save(ConsentOffer, offer)


@projection.on("ConsentGranted")
def consent_granted(ctx: ProjectionContext) -> None:
    args, log = ctx.args, ctx.log
    offer = ctx.require(ConsentOffer, log.address, args["offerId"])
    offer["grants"] += 1
    if args["period"] != 0:
        offer["grants_paid"] += 1
    ctx.save(ConsentOffer, offer)
    consent = new_row(
        Consent,
        contract=log.address,
        consent_id=args["consentId"],
        subject=args["subject"],
        offer_id=args["offerId"],
        grantee=args["grantee"],
        purpose=args["purpose"],
        expiry=args["expiry"],
        period=args["period"],
        compensation_paid=args["compensationPaid"],
        granted_block=log.block_number,
        granted_at=log.block_timestamp,
    )
    ctx.save(Consent, consent)
    if args["compensationPaid"]:
        reward = ctx.load_or_new(ConsentReward, log.address, args["subject"], offer["token"])
        reward["accrued"] += args["compensationPaid"]
        ctx.save(ConsentReward, reward)


@projection.on("ConsentWithdrawn")
def consent_withdrawn(ctx: ProjectionContext) -> None:
    consent = ctx.require(Consent, ctx.log.address, ctx.args["consentId"])
    consent["status"] = "withdrawn"
    consent["withdrawn_block"] = ctx.log.block_number
    consent["withdrawn_at"] = ctx.log.block_timestamp
    ctx.save(Consent, consent)


@projection.on("RewardsSwept")
def rewards_swept(ctx: ProjectionContext) -> None:
    args = ctx.args
    reward = ctx.load_or_new(ConsentReward, ctx.log.address, args["subject"], args["token"])
    reward["swept"] += args["amount"]
    reward["sweep_nonce"] = args["nonce"] + 1
    ctx.save(ConsentReward, reward)
