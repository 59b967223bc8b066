"""ParticipantRegistry -> ``Participant`` rows (roles, KYC expiry, suspension)."""

from __future__ import annotations

from indexer.models import Participant
from indexer.projections.framework import Projection, ProjectionContext

projection = Projection("ParticipantRegistry")


def _participant(ctx: ProjectionContext) -> dict:
    return ctx.load_or_new(Participant, ctx.log.address, ctx.args["account"])


@projection.on("ParticipantRolesSet")
def roles_set(ctx: ProjectionContext) -> None:
    row = _participant(ctx)
    row["roles"] = ctx.args["roles"]
    ctx.save(Participant, row)


@projection.on("KycUpdated")
def kyc_updated(ctx: ProjectionContext) -> None:
    row = _participant(ctx)
    row["kyc_expiry"] = ctx.args["kycExpiry"]
    ctx.save(Participant, row)


@projection.on("ParticipantSuspended")
def suspended(ctx: ProjectionContext) -> None:
    row = _participant(ctx)
    row["suspended"] = True
    row["suspended_by"] = ctx.args["by"]
    ctx.save(Participant, row)


@projection.on("ParticipantUnsuspended")
def unsuspended(ctx: ProjectionContext) -> None:
    row = _participant(ctx)
    row["suspended"] = False
    row["suspended_by"] = None
    ctx.save(Participant, row)
