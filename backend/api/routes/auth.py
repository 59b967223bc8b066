from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from backend.api.auth import Access, Grant, NowDep, Owner, public
from backend.api.deps import SessionDep, SettingsDep
from backend.api.errors import ApiError
from backend.api.limits import check, check_signin_address, signin_per_ip
from backend.identity import api_keys
from backend.identity.chain import ChainNotConfigured, chain_id_from_manifest
from backend.identity.models import ApiKey
from backend.identity.nonces import issue_nonce
from backend.identity.roles import ALL_ROLES, Role
from backend.identity.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic, NonceIssued, SessionIssued, SiweLogin
from backend.identity.siwe import SiweExpectation
from backend.limits.limiter import LimitClass
from backend.identity.sign_in import check_proof, open_session

router = APIRouter(prefix="/auth", tags=["auth"])

own_keys = Access(ALL_ROLES)
own_key = Access(ALL_ROLES, owner=Owner(ApiKey, "key_id"), all_tenants=[Role.ADMIN])


def siwe_expectation(settings: SettingsDep) -> SiweExpectation:
    """Our origin (from TRUSTLEDGER_PUBLIC_BASE_URL) and chain (from the deployment manifest)."""
    try:
        chain_id = chain_id_from_manifest(settings)
    except ChainNotConfigured as exc:
        raise ApiError(503, "chain_not_configured", str(exc)) from None
    return SiweExpectation.for_base_url(settings.public_base_url, chain_id)


SiweExpectationDep = Annotated[SiweExpectation, Depends(siwe_expectation)]


@router.post("/nonce", status_code=201, dependencies=[public(), Depends(signin_per_ip)])
def create_nonce(session: SessionDep, expected: SiweExpectationDep, now: NowDep) -> NonceIssued:
    """A single-use nonce for a SIWE message, valid for ten minutes, with the terms the message must carry."""
    record = issue_nonce(session, now)
    session.commit()
    return NonceIssued(
        nonce=record.nonce,
        issued_at=record.issued_at,
        expires_at=record.expires_at,
        domain=expected.domain,
        uri=f"{expected.scheme}://{expected.domain}",
        chain_id=expected.chain_id,
    )


@router.post("/siwe", dependencies=[public(), Depends(signin_per_ip)])
def sign_in_with_ethereum(
    body: SiweLogin, request: Request, session: SessionDep, expected: SiweExpectationDep, now: NowDep
) -> SessionIssued:
    """Exchange a signed EIP-4361 message for a session token scoped to one role."""
    check_signin_address(request, body.message)
    message = check_proof(session, body.message, body.signature, expected, now)
    issued = open_session(session, message, body.role, now)
    session.commit()
    return SessionIssued(
        token=issued.secret,
        expires_at=issued.record.expires_at,
        participant_id=issued.record.participant_id,
        role=Role(issued.record.role),
    )


@router.post("/logout", status_code=204)
def log_out(grant: Annotated[Grant, Depends(own_keys)], session: SessionDep, now: NowDep) -> None:
    """Revoke the credential this request was made with."""
    session.add(api_keys.revoke_key(grant.principal.credential, now))
    session.commit()


@router.post("/api-keys", status_code=201)
def create_api_key(
    body: ApiKeyCreate, request: Request, grant: Annotated[Grant, Depends(own_keys)], session: SessionDep
) -> ApiKeyCreated:
    """A new key for the caller, in the caller's role: a key never mints keys for another role."""
    role = body.role or grant.principal.role
    if role != grant.principal.role:
        raise ApiError(403, "role_not_allowed", f"a {grant.principal.role.value} credential cannot create {role.value} keys")
    check(request, LimitClass.API_KEYS_PER_PARTICIPANT, str(grant.participant.id))
    issued = api_keys.issue_key(session, grant.participant, role, label=body.label, expires_at=body.expires_at)
    session.commit()
    return ApiKeyCreated(**ApiKeyPublic.of(issued.record).model_dump(), key=issued.secret)


@router.get("/api-keys")
def list_api_keys(grant: Annotated[Grant, Depends(own_keys)], session: SessionDep) -> list[ApiKeyPublic]:
    """The caller's keys and sessions (prefixes only; secrets are never shown again)."""
    return [ApiKeyPublic.of(row) for row in api_keys.list_keys(session, grant.participant.id)]


@router.delete("/api-keys/{key_id}")
def revoke_api_key(
    key_id: uuid.UUID, grant: Annotated[Grant[ApiKey], Depends(own_key)], session: SessionDep, now: NowDep
) -> ApiKeyPublic:
    """Revoke one of the caller's keys (an admin may revoke anyone's); effective on the next request."""
    record = api_keys.revoke_key(grant.resource, now)
    session.add(record)
    session.commit()
    return ApiKeyPublic.of(record)
