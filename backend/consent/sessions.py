"""Consumer sessions: a SIWE sign-in by the wallet opens one; the token is sent as ``X-Subject-Session``.

Consumers are not participants (no roles, no onboarding), so they get their own
credential rather than an API key: a 256-bit random token stored as SHA-256, valid for
a few hours, deleted with the consumer's data on erasure.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session

from backend.consent.errors import SubjectSessionExpired, SubjectSessionUnknown
from backend.consent.models import SubjectSession

SESSION_LIFETIME = timedelta(hours=4)
HEADER = "X-Subject-Session"
_SCHEME = "tls_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(
    session: Session, subject_id: uuid.UUID, now: datetime, until: datetime | None
) -> tuple[str, datetime]:
    """A new token for `subject_id` (flushed, not committed) and its expiry."""
    token = _SCHEME + secrets.token_urlsafe(32)
    expires_at = now + SESSION_LIFETIME if until is None else min(now + SESSION_LIFETIME, until)
    session.add(SubjectSession(token_hash=_digest(token), subject_id=subject_id, expires_at=expires_at))
    session.flush()
    return token, expires_at


def subject_of(session: Session, token: str, now: datetime) -> uuid.UUID:
    row = session.get(SubjectSession, _digest(token)) if token.startswith(_SCHEME) else None
    if row is None:
        raise SubjectSessionUnknown(f"unknown {HEADER}; sign in at POST /v1/subjects/session")
    if row.expires_at <= now:
        raise SubjectSessionExpired("this session has expired; sign in again")
    return row.subject_id


def close_session(session: Session, token: str, now: datetime) -> uuid.UUID:
    """End the one session `token` names (sign-out on this device), returning its subject.

    The subject's other sessions (another browser, another device) stay open; erasure ends
    them all (`close_sessions`). An unknown or expired token is refused as by `subject_of`.
    """
    subject_id = subject_of(session, token, now)
    session.execute(delete(SubjectSession).where(SubjectSession.token_hash == _digest(token)))
    return subject_id


def close_sessions(session: Session, subject_id: uuid.UUID) -> None:
    """End every session of `subject_id` (erasure)."""
    session.execute(delete(SubjectSession).where(SubjectSession.subject_id == subject_id))
