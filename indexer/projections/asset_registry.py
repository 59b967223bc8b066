"""AssetRegistry -> Asset (first registrations; they never change)."""

from __future__ import annotations

from indexer.models import Asset
from indexer.projections.framework import Projection, ProjectionContext

projection = Projection("AssetRegistry")


@projection.on("AssetRegistered")
def asset_registered(ctx: ProjectionContext) -> None:
    args = ctx.args
    ctx.record(
        Asset,
        content_hash=args["contentHash"],
        owner=args["owner"],
        registered_at=args["registeredAt"],
        cid=args["cid"],
    )
