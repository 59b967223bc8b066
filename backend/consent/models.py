"""Tables of data consent. Chain state (offers, consents, rewards) is read from the indexer's mirror.

What links a consumer to anything lives in ``consent_subject`` (sealed under the
subject's key) and in ``consent_pairwise.subject_ref`` (sealed under the link key);
every other table names consumers only by pairwise address, which is what the chain
and the advertiser see anyway. Erasing a consumer deletes its ``consent_subject``,
``consent_pairwise`` and session rows.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Index, Integer, LargeBinary, String, Text
from sqlmodel import Field

from backend.db.base import BackendModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class ConsentSubject(BackendModel, table=True):
    """A consumer (data subject). Only keyed hashes and ciphertexts: no address, no DID in clear."""

    __tablename__ = "consent_subject"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    wallet_lookup: str = Field(max_length=64, unique=True, description="HMAC of the wallet address (lookup key)")
    master_key_id: str = Field(max_length=16, description="the master key that wraps subject_key")
    subject_key: bytes = Field(sa_type=LargeBinary, repr=False, description="AES-256 key, wrapped by the master key")
    did: bytes = Field(sa_type=LargeBinary, repr=False, description="did:pkh of the wallet, sealed")
    profile: bytes | None = Field(default=None, sa_type=LargeBinary, repr=False, description="shared data, sealed")
    ledger: bytes = Field(sa_type=LargeBinary, repr=False, description="pairwise addresses and consents, sealed")
    created_at: datetime = Field(default_factory=utcnow)


class ConsentPairwise(BackendModel, table=True):
    """A pairwise address the API has seen sign for a consumer; advertisers read data by it."""

    __tablename__ = "consent_pairwise"

    address: str = Field(primary_key=True, max_length=42)
    grantee: str = Field(max_length=42)
    subject_ref: bytes = Field(sa_type=LargeBinary, repr=False, description="consent_subject.id sealed by the link key")


class SubjectSession(BackendModel, table=True):
    """A consumer's sign-in (SIWE) session; the token is stored as SHA-256 only."""

    __tablename__ = "consent_subject_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    subject_id: uuid.UUID = Field(foreign_key="consent_subject.id", index=True)
    expires_at: datetime


class WithdrawalSource(StrEnum):
    SUBJECT = "subject"  # a signed Withdrawal accepted by the API
    ERASURE = "erasure"  # the subject erased its data; a signed Withdrawal may still follow


class ConsentWithdrawal(BackendModel, table=True):
    """A consent the API refuses from the moment it accepted its withdrawal, before the chain knows."""

    __tablename__ = "consent_withdrawal"

    consent_id: str = Field(primary_key=True, max_length=66)
    contract: str = Field(max_length=42, description="the ConsentRegistry")
    source: WithdrawalSource = Field(sa_type=String(16))
    accepted_at: datetime = Field(default_factory=utcnow)
    outbox_id: int | None = Field(default=None, description="the relayed withdraw() transaction, if signed")


class AccessOutcome(StrEnum):
    DISCLOSED = "disclosed"
    REFUSED = "refused"


class ConsentAccess(BackendModel, table=True):
    """One advertiser read of a subject's data. Append-only: the database refuses UPDATE and DELETE."""

    __tablename__ = "consent_access_log"
    __table_args__ = (Index("ix_consent_access_log_subject", "subject", "id"),)

    # INTEGER on SQLite, where only that spelling is the auto-incrementing rowid.
    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    )
    accessed_at: datetime = Field(default_factory=utcnow)
    participant_id: uuid.UUID = Field(foreign_key="participant.id", index=True)
    grantee: str = Field(max_length=42)
    subject: str = Field(max_length=42, description="the pairwise address asked for")
    purpose: str = Field(max_length=64)
    consent_ids: str = Field(sa_type=Text, description="space-separated ids of the consents relied on")
    fields_disclosed: str = Field(sa_type=Text, description="space-separated category names")
    fields_withheld: str = Field(sa_type=Text, description="space-separated category names")
    outcome: AccessOutcome = Field(sa_type=String(16))


class OfferPublication(BackendModel, table=True):
    """An offer an advertiser asked the API to publish: its terms and the queued transactions."""

    __tablename__ = "consent_offer_publication"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    participant_id: uuid.UUID = Field(foreign_key="participant.id", index=True)
    contract: str = Field(max_length=42, description="the ConsentRegistry")
    purpose: str = Field(max_length=64)
    data_categories: str = Field(max_length=200, description="space-separated category names")
    token: str = Field(max_length=42)
    compensation: str = Field(max_length=78, description="token base units per paid grant, decimal")
    cap: int
    period_seconds: int = Field(sa_type=BigInteger)
    approve_outbox_id: int | None = Field(default=None)
    publish_outbox_id: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)
