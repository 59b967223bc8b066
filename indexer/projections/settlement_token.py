"""SettlementToken -> ``TokenTransfer`` history and ``TokenBalance`` per holder."""

from __future__ import annotations

from indexer.models import TokenBalance, TokenTransfer
from indexer.projections.framework import Projection, ProjectionContext

projection = Projection("SettlementToken")

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


def _add(ctx: ProjectionContext, holder: str, delta: int) -> None:
    row = ctx.load_or_new(TokenBalance, ctx.log.address, holder)
    row["balance"] += delta
    ctx.save(TokenBalance, row)


@projection.on("Transfer")
def transfer(ctx: ProjectionContext) -> None:
    sender, recipient, value = ctx.args["from"], ctx.args["to"], ctx.args["value"]
    ctx.record(TokenTransfer, sender=sender, recipient=recipient, value=value)
    if sender != ZERO_ADDRESS:
        _add(ctx, sender, -value)
    if recipient != ZERO_ADDRESS:
        _add(ctx, recipient, value)
