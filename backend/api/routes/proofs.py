"""The Merkle proof of a billed event against its epoch's on-chain eventsRoot.

Anyone holding the answer can check it without trusting this API: ``trustledger
verify-event`` recomputes the event hash and the leaf and asks the escrow's
``verifyEvent`` view. The campaign's advertiser, the event's publisher, auditors and
admins may ask for it; for anyone else the event does not exist.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlmodel import select

from backend.api.auth import Access, Grant
from backend.api.deps import SessionDep, SettingsDep
from backend.api.errors import ApiError
from backend.campaigns.mirror import mirror_for
from backend.campaigns.models import Campaign
from backend.identity.roles import Role
from backend.settlement.proofs.event_proof import event_proof, stored_event
from backend.settlement.schemas import EventProof
from contracts.deployment import DeploymentManifest, ManifestError

router = APIRouter(prefix="/events", tags=["events"])

proof_readers = Access(
    [Role.ADVERTISER, Role.PUBLISHER, Role.AUDITOR, Role.ADMIN], all_tenants=[Role.AUDITOR, Role.ADMIN]
)


@router.get("/{event_id}/proof")
def read_proof(
    event_id: int, grant: Annotated[Grant, Depends(proof_readers)], session: SessionDep, settings: SettingsDep
) -> EventProof:
    """Leaf fields, canonical record, proof, epoch, root, and whether the root is on chain."""
    not_found = ApiError(404, "not_found", f"no event {event_id}")
    row = stored_event(session, event_id)
    if row is None:
        raise not_found
    try:
        manifest = DeploymentManifest.load(settings.manifest_path)
    except ManifestError as exc:
        raise ApiError(503, "chain_not_configured", str(exc)) from None
    if not grant.all_tenants and not _visible(session, manifest, grant, row):
        raise not_found
    return event_proof(session, mirror_for(session, settings), row, chain_id=manifest.chain_id)


def _visible(session, manifest: DeploymentManifest, grant: Grant, row: dict) -> bool:
    """The event's publisher, or the advertiser of its campaign."""
    if grant.principal.role == Role.PUBLISHER:
        return row["publisher"] == grant.participant.chain_address
    escrow = manifest.contracts.get("CampaignEscrow")
    if escrow is None:
        return False
    owner = session.exec(
        select(Campaign.advertiser_id).where(
            Campaign.escrow_address == escrow.address, Campaign.chain_campaign_id == row["campaign_id"]
        )
    ).first()
    return owner == grant.participant.id
