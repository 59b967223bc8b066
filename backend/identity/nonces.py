"""SIWE nonces: issued by this server, valid for a few minutes, usable once."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session

from backend.identity.models import SiweNonce, utcnow
from backend.identity.siwe import SiweError

NONCE_LIFETIME = timedelta(minutes=10)


def issue_nonce(session: Session, now: datetime | None = None) -> SiweNonce:
    """A fresh nonce (128 random bits, hex, so it fits EIP-4361's alphanumeric rule)."""
    now = now or utcnow()
    record = SiweNonce(nonce=secrets.token_hex(16), issued_at=now, expires_at=now + NONCE_LIFETIME)
    session.add(record)
    session.flush()
    return record


def consume_nonce(session: Session, nonce: str, now: datetime | None = None) -> None:
    """Mark `nonce` used, or raise SiweError (siwe_nonce_unknown / _used / _expired).

    The conditional UPDATE is the guard: of two requests racing with one nonce, only
    the one whose UPDATE matched the unused row goes on. The SELECT after a miss only
    names the reason.
    """
    now = now or utcnow()
    claimed = session.execute(
        update(SiweNonce)
        .where(SiweNonce.nonce == nonce, SiweNonce.used_at.is_(None), SiweNonce.expires_at > now)
        .values(used_at=now)
    )
    if claimed.rowcount == 1:
        return
    record = session.get(SiweNonce, nonce)
    if record is None:
        raise SiweError("siwe_nonce_unknown", "this nonce was not issued by this server")
    if record.used_at is not None:
        raise SiweError("siwe_nonce_used", "this nonce has already been used; ask for a new one")
    raise SiweError("siwe_nonce_expired", "this nonce has expired; ask for a new one")
