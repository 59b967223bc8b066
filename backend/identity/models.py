"""Tables of identity and access: participants, API keys, SIWE nonces, idempotency records."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import String, Text, UniqueConstraint
from sqlmodel import Field

from backend.db.base import BackendModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class CustodyMode(StrEnum):
    CUSTODIAL = "custodial"  # the platform holds the chain key (encrypted), signs for the participant
    NON_CUSTODIAL = "non_custodial"  # the participant holds its key and signs permits/transactions


class ParticipantStatus(StrEnum):
    PENDING = "pending"  # applied, waiting for an admin; may only read its own record
    APPROVED = "approved"
    SUSPENDED = "suspended"  # refused by the API at once; suspension queued on chain


class CredentialKind(StrEnum):
    API_KEY = "api_key"  # created by the participant or an admin; no expiry unless asked
    SESSION = "session"  # issued by a SIWE login; always expires


class IdempotencyState(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class Participant(BackendModel, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    display_name: str = Field(max_length=200)
    # Bitmasks over backend.identity.roles.Role: granted, and asked for at onboarding.
    roles: int = Field(default=0)
    requested_roles: int = Field(default=0)
    chain_address: str | None = Field(default=None, max_length=42, unique=True, index=True)
    custody_mode: CustodyMode = Field(sa_type=String(16))
    status: ParticipantStatus = Field(default=ParticipantStatus.PENDING, sa_type=String(16), index=True)
    kyc_expires_at: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)
    approved_at: datetime | None = Field(default=None)
    suspended_at: datetime | None = Field(default=None)


class ApiKey(BackendModel, table=True):
    __tablename__ = "api_key"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    participant_id: uuid.UUID = Field(foreign_key="participant.id", index=True)
    # Public half of the key, used to find the row; the secret half is stored as SHA-256 only.
    prefix: str = Field(max_length=16, unique=True, index=True)
    secret_hash: str = Field(max_length=64)
    role: str = Field(max_length=32)
    kind: CredentialKind = Field(default=CredentialKind.API_KEY, sa_type=String(16))
    label: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = Field(default=None)
    revoked_at: datetime | None = Field(default=None)


class SiweNonce(BackendModel, table=True):
    __tablename__ = "siwe_nonce"

    nonce: str = Field(primary_key=True, max_length=64)
    issued_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = Field(default=None)


class IdempotencyRecord(BackendModel, table=True):
    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("participant_id", "endpoint", "key", name="uq_idempotency_scope"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    participant_id: uuid.UUID = Field(foreign_key="participant.id", index=True)
    endpoint: str = Field(max_length=200)  # "POST /v1/campaigns/{campaign_id}/fund"
    key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    state: IdempotencyState = Field(default=IdempotencyState.IN_PROGRESS, sa_type=String(16))
    claimed_at: datetime = Field(default_factory=utcnow)
    response_status: int | None = Field(default=None)
    response_body: str | None = Field(default=None, sa_type=Text)
    completed_at: datetime | None = Field(default=None)
