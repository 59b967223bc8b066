"""Co-signing settlements: an attester named on a campaign lists the settled epochs awaiting its
signature, checks their leaves, and posts its EIP-712 signature (or, if custodial, has the
platform sign with its key); the signature that completes the set queues the commit.

Attesters see the settlements of the campaigns that name them; auditors and admins see
every settlement awaiting attestations and every epoch's leaves, but only attesters sign.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from backend.api.auth import Access, Grant
from backend.api.deps import SessionDep, SettingsDep
from backend.api.errors import ApiError
from backend.campaigns.mirror import mirror_for
from backend.identity.roles import Role
from backend.settlement.cosigning.attester import MAX_LEAVES_PAGE, accept_attestation, awaiting_for, epoch_leaves, readable
from backend.settlement.onchain.writes import ESCROW, SettlementChain, SettlementNotConfigured
from backend.settlement.models import Settlement
from backend.settlement.schemas import AttestationProgress, AttestationRequest, EpochLeaves, SettlementToAttest
from contracts.deployment import DeploymentManifest, ManifestError

router = APIRouter(prefix="/settlements", tags=["settlements"])

readers = Access([Role.ATTESTER, Role.AUDITOR, Role.ADMIN], all_tenants=[Role.AUDITOR, Role.ADMIN])
ReaderGrant = Annotated[Grant, Depends(readers)]
AttesterGrant = Annotated[Grant, Depends(Access([Role.ATTESTER]))]


@router.get("/awaiting-attestation")
def awaiting_attestation(grant: ReaderGrant, session: SessionDep, settings: SettingsDep) -> list[SettlementToAttest]:
    """For an attester: settlements of its campaigns still missing its signature, with the typed data to sign.
    For auditors and admins: every settlement awaiting attestations."""
    try:
        manifest = DeploymentManifest.load(settings.manifest_path)
        escrow = manifest.address(ESCROW)
    except ManifestError:
        return []  # no escrow deployed: nothing can await a signature
    return awaiting_for(
        session, mirror_for(session, settings), manifest.chain_id, escrow,
        None if grant.all_tenants else grant.participant,
    )


@router.get("/{settlement_id}/leaves")
def leaves(
    settlement_id: int,
    grant: ReaderGrant,
    session: SessionDep,
    settings: SettingsDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LEAVES_PAGE)] = 1_000,
) -> EpochLeaves:
    """The epoch's balance leaves and a page of its billed events' leaves with their canonical records,
    from which both roots (and eventsRoot's event hashes) can be recomputed."""
    settlement = session.get(Settlement, settlement_id)
    mirror = mirror_for(session, settings)
    if settlement is None or not readable(mirror, settlement, grant.participant, grant.all_tenants):
        raise ApiError(404, "not_found", f"no settlement {settlement_id}")
    return epoch_leaves(session, settlement, offset=offset, limit=limit)


@router.post("/{settlement_id}/attestations")
def attest(
    settlement_id: int, body: AttestationRequest, grant: AttesterGrant, session: SessionDep, settings: SettingsDep
) -> AttestationProgress:
    """Add the caller's signature over the settlement's figures; a repeat answers as the first did.
    Once the threshold and the verifier (if named) have signed, commitSettlement is queued."""
    if (body.signature is None) == (not body.custodial):
        raise ApiError(422, "signature_or_custodial", "send either a signature or custodial: true")
    try:
        chain = SettlementChain.from_settings(settings)
    except SettlementNotConfigured as exc:
        raise ApiError(503, "settlement_not_configured", str(exc)) from None
    answer = accept_attestation(
        session, chain, mirror_for(session, settings), settlement_id, grant.participant,
        signature=body.signature, custodial=body.custodial, settings=settings,
    )
    session.commit()
    return answer
