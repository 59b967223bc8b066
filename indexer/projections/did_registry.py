"""DIDRegistry (ERC-1056) -> DidChange history, DidIdentity, DidDelegate, DidAttribute."""

from __future__ import annotations

from eth_utils import keccak

from indexer.models import DidAttribute, DidChange, DidDelegate, DidIdentity
from indexer.projections.framework import Projection, ProjectionContext

projection = Projection("DIDRegistry")


def _touch(ctx: ProjectionContext, owner: str | None = None) -> None:
    identity = ctx.load_or_new(DidIdentity, ctx.log.address, ctx.args["identity"])
    identity["changes"] += 1
    if owner is not None:
        identity["owner"] = owner
    ctx.save(DidIdentity, identity)


@projection.on("DIDOwnerChanged")
def owner_changed(ctx: ProjectionContext) -> None:
    args = ctx.args
    ctx.record(
        DidChange, identity=args["identity"], kind="owner", owner=args["owner"], previous_change=args["previousChange"]
    )
    _touch(ctx, owner=args["owner"])


@projection.on("DIDDelegateChanged")
def delegate_changed(ctx: ProjectionContext) -> None:
    args = ctx.args
    ctx.record(
        DidChange,
        identity=args["identity"],
        kind="delegate",
        delegate_type=args["delegateType"],
        delegate=args["delegate"],
        valid_to=args["validTo"],
        previous_change=args["previousChange"],
    )
    _touch(ctx)
    row = ctx.load_or_new(DidDelegate, ctx.log.address, args["identity"], args["delegateType"], args["delegate"])
    row["valid_to"] = args["validTo"]
    ctx.save(DidDelegate, row)


@projection.on("DIDAttributeChanged")
def attribute_changed(ctx: ProjectionContext) -> None:
    args = ctx.args
    ctx.record(
        DidChange,
        identity=args["identity"],
        kind="attribute",
        name=args["name"],
        value=args["value"],
        valid_to=args["validTo"],
        previous_change=args["previousChange"],
    )
    _touch(ctx)
    value_hash = "0x" + keccak(hexstr=args["value"]).hex()
    row = ctx.load_or_new(DidAttribute, ctx.log.address, args["identity"], args["name"], value_hash)
    row["value"] = args["value"]
    row["valid_to"] = args["validTo"]
    ctx.save(DidAttribute, row)
