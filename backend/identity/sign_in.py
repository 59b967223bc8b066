"""Sign-In with Ethereum against this server: check the proof, spend the nonce, open a session.

A session is an API key of kind ``session`` with an expiry, not a signed token (JWT):
it goes through the same lookup, can be revoked (logout, suspension) at once, and needs
no signing secret to manage or rotate. The cost, one indexed lookup per request, is
paid by API keys anyway.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from backend.identity.errors import (
    IdentityInputInvalid,
    ParticipantSuspended,
    RoleNotGranted,
    RoleRequired,
    SignInFailed,
    UnknownAccount,
)
from backend.identity import siwe
from backend.identity.api_keys import IssuedKey, issue_key
from backend.identity.models import CredentialKind, ParticipantStatus
from backend.identity.nonces import consume_nonce
from backend.identity.participants import by_address, may_act_as
from backend.identity.roles import Role, mask_to_roles

SESSION_LIFETIME = timedelta(hours=12)


def check_proof(
    session: Session, text: str, signature: str, expected: siwe.SiweExpectation, now: datetime
) -> siwe.SiweMessage:
    """The verified message; its nonce is spent (in the caller's transaction).

    A malformed message is bad input (422); every other failure is 401 with its reason code.
    """
    try:
        message = siwe.verify(text, signature, expected, now)
        consume_nonce(session, message.nonce, now)
    except siwe.SiweError as exc:
        refusal = IdentityInputInvalid if exc.code == "siwe_malformed" else SignInFailed
        raise refusal(exc.code, exc.message) from None
    return message


def open_session(session: Session, message: siwe.SiweMessage, role: Role | None, now: datetime) -> IssuedKey:
    """A session credential for the participant at the message's address, scoped to `role`."""
    participant = by_address(session, message.address)
    if participant is None:
        raise UnknownAccount(f"{message.address} is not a participant; apply first")
    if participant.status == ParticipantStatus.SUSPENDED:
        raise ParticipantSuspended("this participant is suspended")
    if role is None:
        mask = participant.requested_roles if participant.status == ParticipantStatus.PENDING else participant.roles
        held = mask_to_roles(mask)
        if len(held) != 1:
            raise RoleRequired(f"this participant holds {len(held)} roles; name one in 'role'")
        role = held[0]
    if not may_act_as(participant, role):
        raise RoleNotGranted(f"this participant does not hold the role {role.value}")
    expires_at = now + SESSION_LIFETIME
    if message.expiration_time is not None:
        expires_at = min(expires_at, message.expiration_time)
    return issue_key(session, participant, role, kind=CredentialKind.SESSION, label="siwe", expires_at=expires_at)
