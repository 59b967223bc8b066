"""What publishers earned and were paid, per campaign and token."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from backend.api.auth import Access, Grant, Owner
from backend.api.deps import SessionDep, SettingsDep
from backend.campaigns.chain import ESCROW
from backend.campaigns.mirror import mirror_for
from backend.campaigns.schemas import PublisherReport
from backend.settlement.reports import publisher_report
from backend.identity.models import Participant
from backend.identity.roles import Role
from contracts.deployment import DeploymentManifest, ManifestError

router = APIRouter(prefix="/publishers", tags=["publishers"])

THE_PUBLISHER = Owner(Participant, "participant_id", owner_field="id")
publisher_report_readers = Access([Role.PUBLISHER, Role.ADMIN], owner=THE_PUBLISHER, all_tenants=[Role.ADMIN])


@router.get("/{participant_id}/report")
def read_publisher_report(
    participant_id: uuid.UUID,
    grant: Annotated[Grant[Participant], Depends(publisher_report_readers)],
    session: SessionDep,
    settings: SettingsDep,
) -> PublisherReport:
    """Per campaign: earned (billed, fees included), paid, fees and pending; totals per token."""
    try:
        escrow = DeploymentManifest.load(settings.manifest_path).contracts.get(ESCROW)
    except ManifestError:
        escrow = None
    return publisher_report(session, mirror_for(session, settings), escrow.address if escrow else None, grant.resource)
