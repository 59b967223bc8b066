from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlmodel import select

from backend.api.auth import Access, Grant, NowDep, Owner, public
from backend.api.deps import SessionDep, SettingsDep
from backend.api.errors import ApiError
from backend.api.idempotency import idempotent
from backend.api.limits import applications_per_ip, check, check_signin_address
from backend.api.routes.auth import siwe_expectation
from backend.identity import api_keys, participants
from backend.identity.chain import ChainNotConfigured, ChainTarget, RegistryWriter
from backend.identity.models import CustodyMode, Participant, ParticipantStatus
from backend.identity.ports import CreateCustodialKey, Enqueue, custodial_keys, outbox_enqueue
from backend.identity.roles import ALL_ROLES, Role
from backend.identity.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    KycRenewal,
    ParticipantApproval,
    ParticipantCreate,
    ParticipantCreated,
    ParticipantPublic,
)
from backend.identity.sign_in import check_proof
from backend.limits.limiter import LimitClass

router = APIRouter(prefix="/participants", tags=["participants"])

OFFICERS = (Role.ADMIN, Role.KYC_OFFICER)
THE_PARTICIPANT = Owner(Participant, "participant_id", owner_field="id")

officers_list = Access(OFFICERS, all_tenants=OFFICERS)
anyone_own_record = Access(ALL_ROLES, owner=THE_PARTICIPANT, all_tenants=OFFICERS)
applicant_self = Access(ALL_ROLES, pending_ok=True)
admin_on_participant = Access([Role.ADMIN], owner=THE_PARTICIPANT, all_tenants=[Role.ADMIN])
officer_on_participant = Access(OFFICERS, owner=THE_PARTICIPANT, all_tenants=OFFICERS)


def custodial_key_creator(settings: SettingsDep) -> CreateCustodialKey:
    return custodial_keys(settings)


def registry_writer(settings: SettingsDep, enqueue: Annotated[Enqueue, Depends(outbox_enqueue)]) -> RegistryWriter:
    try:
        return RegistryWriter(ChainTarget.from_settings(settings), enqueue)
    except ChainNotConfigured as exc:
        raise ApiError(503, "chain_not_configured", str(exc)) from None


RegistryWriterDep = Annotated[RegistryWriter, Depends(registry_writer)]
OfficerGrant = Annotated[Grant[Participant], Depends(officer_on_participant)]


@router.post("", status_code=201, dependencies=[public(), Depends(applications_per_ip)])
def apply_to_participate(
    body: ParticipantCreate,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    create_custodial_key: Annotated[CreateCustodialKey, Depends(custodial_key_creator)],
    now: NowDep,
) -> ParticipantCreated:
    """Apply as a participant. Custodial: the platform creates and guards the chain key. Non-custodial:
    prove the wallet with a SIWE message. Returns one API key per requested role, shown once."""
    address = None
    if body.custody_mode is CustodyMode.NON_CUSTODIAL:
        check_signin_address(request, body.siwe.message)
        expected = siwe_expectation(settings)
        message = check_proof(session, body.siwe.message, body.siwe.signature, expected, now)
        if body.address is not None and body.address.lower() != message.address.lower():
            raise ApiError(401, "siwe_address_mismatch", f"the SIWE message was signed for {message.address}")
        address = message.address
    participant, keys = participants.apply(
        session,
        display_name=body.display_name,
        requested_roles=body.requested_roles,
        custody_mode=body.custody_mode,
        address=address,
        create_custodial_key=create_custodial_key,
    )
    session.commit()
    return ParticipantCreated(
        participant=ParticipantPublic.of(participant),
        api_keys=[ApiKeyCreated(**ApiKeyPublic.of(k.record).model_dump(), key=k.secret) for k in keys],
    )


@router.get("")
def list_participants(
    grant: Annotated[Grant, Depends(officers_list)],
    session: SessionDep,
    status: ParticipantStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ParticipantPublic]:
    statement = select(Participant).order_by(Participant.created_at).offset(offset).limit(limit)
    if status is not None:
        statement = statement.where(Participant.status == status)
    return [ParticipantPublic.of(row) for row in session.exec(statement)]


@router.get("/me")
def read_own_participant(grant: Annotated[Grant, Depends(applicant_self)]) -> ParticipantPublic:
    """The caller's record, also while its application is pending."""
    return ParticipantPublic.of(grant.participant)


@router.get("/{participant_id}")
def read_participant(
    participant_id: uuid.UUID, grant: Annotated[Grant[Participant], Depends(anyone_own_record)]
) -> ParticipantPublic:
    return ParticipantPublic.of(grant.resource)


@router.post("/{participant_id}/approve")
@idempotent
def approve_participant(
    participant_id: uuid.UUID,
    body: ParticipantApproval,
    grant: Annotated[Grant[Participant], Depends(admin_on_participant)],
    session: SessionDep,
    writer: RegistryWriterDep,
    now: NowDep,
) -> ParticipantPublic:
    """Grant roles and KYC; queues setRoles, setKyc (and grantRole for platform roles) on chain."""
    participant = participants.approve(
        session, grant.resource, roles=body.roles, kyc_expires_at=body.kyc_expires_at, writer=writer, now=now
    )
    return ParticipantPublic.of(participant)


@router.post("/{participant_id}/suspend")
@idempotent
def suspend_participant(
    participant_id: uuid.UUID, grant: OfficerGrant, session: SessionDep, writer: RegistryWriterDep
) -> ParticipantPublic:
    """Refused by the API from the next request on; suspend is queued on chain."""
    participant = participants.suspend(
        session, grant.resource, by=grant.participant, by_role=grant.principal.role, writer=writer
    )
    return ParticipantPublic.of(participant)


@router.post("/{participant_id}/unsuspend")
@idempotent
def unsuspend_participant(
    participant_id: uuid.UUID, grant: OfficerGrant, session: SessionDep, writer: RegistryWriterDep
) -> ParticipantPublic:
    return ParticipantPublic.of(participants.unsuspend(session, grant.resource, writer=writer))


@router.post("/{participant_id}/kyc")
@idempotent
def renew_participant_kyc(
    participant_id: uuid.UUID,
    body: KycRenewal,
    grant: OfficerGrant,
    session: SessionDep,
    writer: RegistryWriterDep,
    now: NowDep,
) -> ParticipantPublic:
    """Record a renewed KYC; queues setKyc."""
    participant = participants.renew_kyc(
        session, grant.resource, kyc_expires_at=body.kyc_expires_at, writer=writer, now=now
    )
    return ParticipantPublic.of(participant)


@router.post("/{participant_id}/api-keys", status_code=201)
def issue_participant_api_key(
    participant_id: uuid.UUID,
    body: ApiKeyCreate,
    request: Request,
    grant: Annotated[Grant[Participant], Depends(admin_on_participant)],
    session: SessionDep,
) -> ApiKeyCreated:
    """An admin issues a key to a participant (e.g. a custodial one that lost its keys); shown once."""
    if body.role is None:
        raise ApiError(422, "role_required", "name the role the key is scoped to")
    if not participants.may_act_as(grant.resource, body.role):
        raise ApiError(422, "role_not_held", f"the participant does not hold the role {body.role.value}")
    check(request, LimitClass.API_KEYS_PER_PARTICIPANT, str(grant.resource.id))
    issued = api_keys.issue_key(session, grant.resource, body.role, label=body.label, expires_at=body.expires_at)
    session.commit()
    return ApiKeyCreated(**ApiKeyPublic.of(issued.record).model_dump(), key=issued.secret)
