"""API keys and SIWE session tokens: one credential format, stored hashed.

A key reads ``tlk_<prefix>_<secret>``: the prefix (64 random bits, public) finds the
row, the secret (256 random bits) is stored only as its SHA-256. A slow password hash
(bcrypt, scrypt) was rejected: it guards low-entropy secrets against brute force,
and a 256-bit random secret has none to guard, while every request pays the hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import Session, select

from backend.identity.models import ApiKey, CredentialKind, Participant, utcnow
from backend.identity.roles import Role

SCHEME = "tlk"


class CredentialError(Exception):
    """The presented credential is unknown, malformed, revoked or expired (401)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class IssuedKey:
    """A freshly created credential: `secret` is shown to its owner once and never stored."""

    record: ApiKey
    secret: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_key(
    session: Session,
    participant: Participant,
    role: Role,
    *,
    kind: CredentialKind = CredentialKind.API_KEY,
    label: str | None = None,
    expires_at: datetime | None = None,
) -> IssuedKey:
    """Add a credential for `participant` acting as `role` (flushed, not committed)."""
    prefix = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    record = ApiKey(
        participant_id=participant.id,
        prefix=prefix,
        secret_hash=_digest(secret),
        role=role.value,
        kind=kind,
        label=label,
        expires_at=expires_at,
    )
    session.add(record)
    session.flush()
    return IssuedKey(record=record, secret=f"{SCHEME}_{prefix}_{secret}")


# Built once: composing the statement on every authenticated request cost more CPU than running it.
_KEY_AND_PARTICIPANT = (
    select(ApiKey, Participant)
    .join(Participant, Participant.id == ApiKey.participant_id)
    .where(ApiKey.prefix == bindparam("prefix"))
)


def verify_key(session: Session, presented: str, now: datetime | None = None) -> tuple[ApiKey, Participant]:
    """The live credential matching `presented` and its participant, or CredentialError.

    One query for both: every authenticated request runs it.
    """
    scheme, _, rest = presented.partition("_")
    prefix, _, secret = rest.partition("_")
    if scheme != SCHEME or not prefix or not secret:
        raise CredentialError("invalid_credentials", "the credential is not a trustledger API key")
    found = session.exec(_KEY_AND_PARTICIPANT, params={"prefix": prefix}).first()
    record, participant = found if found is not None else (None, None)
    # Compare against a dummy digest when the prefix is unknown so both paths cost the same.
    expected = record.secret_hash if record is not None else _digest("")
    if not hmac.compare_digest(_digest(secret), expected) or record is None or participant is None:
        raise CredentialError("invalid_credentials", "unknown API key")
    if record.revoked_at is not None:
        raise CredentialError("credential_revoked", "this API key has been revoked")
    if record.expires_at is not None and record.expires_at <= (now or utcnow()):
        raise CredentialError("credential_expired", "this credential has expired; sign in again")
    return record, participant


def list_keys(session: Session, participant_id: uuid.UUID) -> list[ApiKey]:
    statement = select(ApiKey).where(ApiKey.participant_id == participant_id).order_by(ApiKey.created_at)
    return list(session.exec(statement))


def revoke_key(record: ApiKey, now: datetime | None = None) -> ApiKey:
    """Mark `record` revoked; revoking twice keeps the first time."""
    if record.revoked_at is None:
        record.revoked_at = now or utcnow()
    return record
