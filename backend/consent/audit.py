"""The access log: every advertiser read of a subject's data, disclosed or refused.

Append-only by construction: this module only inserts and reads, and the database
refuses UPDATE and DELETE on the table (triggers of migration 0007), so not even a bug
elsewhere can rewrite what an advertiser was shown. Rows name the subject by the
pairwise address the advertiser asked for, never by anything that links it further.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert
from sqlmodel import Session, col, select

from backend.consent.models import AccessOutcome, ConsentAccess
from backend.core.db_pipeline import Executor, Step

# Built once, without RETURNING (the new row's id is never read): this insert is on every data read.
_RECORD_ACCESS = insert(ConsentAccess.__table__).inline()


def record_access(
    execute: Executor,
    *,
    participant_id: uuid.UUID,
    grantee: str,
    subject: str,
    purpose: str,
    consent_ids: Iterable[str],
    disclosed: Iterable[str],
    withheld: Iterable[str],
    outcome: AccessOutcome,
    at: datetime,
) -> None:
    """Add one row through `execute` (a plain INSERT: the row is never read back or changed)."""
    row = {
        "accessed_at": at,
        "participant_id": participant_id,
        "grantee": grantee,
        "subject": subject,
        "purpose": purpose,
        "consent_ids": " ".join(consent_ids),
        "fields_disclosed": " ".join(sorted(disclosed)),
        "fields_withheld": " ".join(sorted(withheld)),
        "outcome": outcome.value,
    }
    execute([Step(_RECORD_ACCESS, row, column_keys=tuple(row))])


def accesses_of(session: Session, subjects: list[str]) -> list[ConsentAccess]:
    """Every logged read of these pairwise addresses, oldest first."""
    if not subjects:
        return []
    statement = select(ConsentAccess).where(col(ConsentAccess.subject).in_(subjects)).order_by(ConsentAccess.id)
    return list(session.exec(statement))
