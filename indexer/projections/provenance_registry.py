"""ProvenanceRegistry -> Product, ProductBatch, ProvenanceActor, ProvenanceAnchor, CustodyTransfer, ProductCustody."""

from __future__ import annotations

from indexer.models import CustodyTransfer, Product, ProductBatch, ProductCustody, ProvenanceActor, ProvenanceAnchor
from indexer.projections.framework import Projection, ProjectionContext, new_row

projection = Projection("ProvenanceRegistry")


@projection.on("ProductClassRegistered")
def product_registered(ctx: ProjectionContext) -> None:
    args = ctx.args
    ctx.save(
        Product,
        new_row(
            Product,
            contract=ctx.log.address,
            gtin=args["gtin"],
            brand=args["brand"],
            metadata_cid=args["metadataCid"],
            registered_block=ctx.log.block_number,
        ),
    )


@projection.on("SerialBatchRegistered")
def serial_batch_registered(ctx: ProjectionContext) -> None:
    args = ctx.args
    ctx.save(
        ProductBatch,
        new_row(
            ProductBatch,
            contract=ctx.log.address,
            serial_batch_id=args["serialBatchId"],
            gtin=args["gtin"],
            brand=args["brand"],
            serials_root=args["serialsRoot"],
            serial_count=args["serialCount"],
            metadata_cid=args["metadataCid"],
            registered_block=ctx.log.block_number,
        ),
    )


def _authorise(ctx: ProjectionContext, authorised: bool) -> None:
    row = ctx.load_or_new(ProvenanceActor, ctx.log.address, ctx.args["brand"], ctx.args["actor"])
    row["authorised"] = authorised
    ctx.save(ProvenanceActor, row)


@projection.on("ActorAuthorised")
def actor_authorised(ctx: ProjectionContext) -> None:
    _authorise(ctx, True)


@projection.on("ActorRevoked")
def actor_revoked(ctx: ProjectionContext) -> None:
    _authorise(ctx, False)


@projection.on("EventsAnchored")
def events_anchored(ctx: ProjectionContext) -> None:
    args = ctx.args
    ctx.record(
        ProvenanceAnchor,
        batch_id=args["batchId"],
        actor=args["actor"],
        brand=args["brand"],
        events_root=args["eventsRoot"],
        event_count=args["eventCount"],
        document_cid=args["documentCid"],
        nonce=args["nonce"],
    )


@projection.on("CustodyTransferred")
def custody_transferred(ctx: ProjectionContext) -> None:
    args = ctx.args
    ctx.record(
        CustodyTransfer, gtin=args["gtin"], serial_hash=args["serialHash"], sender=args["from"], recipient=args["to"]
    )
    row = ctx.load_or_new(ProductCustody, ctx.log.address, args["gtin"], args["serialHash"])
    row["custodian"] = args["to"]
    ctx.save(ProductCustody, row)


@projection.on("ProductClassRecallSet")
def product_recall_set(ctx: ProjectionContext) -> None:
    row = ctx.require(Product, ctx.log.address, ctx.args["gtin"])
    row["recalled"] = ctx.args["recalled"]
    ctx.save(Product, row)


@projection.on("SerialBatchRecallSet")
def serial_batch_recall_set(ctx: ProjectionContext) -> None:
    row = ctx.require(ProductBatch, ctx.log.address, ctx.args["serialBatchId"])
    row["recalled"] = ctx.args["recalled"]
    ctx.save(ProductBatch, row)
