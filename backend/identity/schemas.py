"""Shapes of identity requests and responses (the tables are in models.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from backend.identity.models import ApiKey, CustodyMode, Participant, ParticipantStatus
from backend.identity.roles import Role, mask_to_roles

DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Address = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{40}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SiweProof(Strict):
    """An EIP-4361 message with a nonce from POST /v1/auth/nonce, and its EIP-191 signature."""

    message: str = Field(min_length=1, max_length=4096)
    signature: str = Field(min_length=1, max_length=200)


class ParticipantCreate(Strict):
    display_name: DisplayName
    requested_roles: list[Role] = Field(min_length=1, max_length=len(Role))
    custody_mode: CustodyMode
    address: Address | None = Field(None, description="non-custodial only: must equal the SIWE message's address")
    siwe: SiweProof | None = Field(None, description="non-custodial only: proves control of the address")

    @model_validator(mode="after")
    def _proof_matches_custody(self) -> "ParticipantCreate":
        if self.custody_mode is CustodyMode.NON_CUSTODIAL and self.siwe is None:
            raise ValueError("a non-custodial participant proves its address with a SIWE message (siwe)")
        if self.custody_mode is CustodyMode.CUSTODIAL and (self.siwe is not None or self.address is not None):
            raise ValueError("a custodial participant gets its address from the platform; omit address and siwe")
        return self


class ParticipantApproval(Strict):
    roles: list[Role] = Field(min_length=1, max_length=len(Role))
    kyc_expires_at: AwareDatetime


class KycRenewal(Strict):
    kyc_expires_at: AwareDatetime


class ParticipantPublic(BaseModel):
    id: uuid.UUID
    display_name: str
    roles: list[Role]
    requested_roles: list[Role]
    chain_address: str | None
    custody_mode: CustodyMode
    status: ParticipantStatus
    kyc_expires_at: datetime | None
    created_at: datetime
    approved_at: datetime | None
    suspended_at: datetime | None

    @classmethod
    def of(cls, row: Participant) -> "ParticipantPublic":
        return cls(
            id=row.id,
            display_name=row.display_name,
            roles=mask_to_roles(row.roles),
            requested_roles=mask_to_roles(row.requested_roles),
            chain_address=row.chain_address,
            custody_mode=row.custody_mode,
            status=row.status,
            kyc_expires_at=row.kyc_expires_at,
            created_at=row.created_at,
            approved_at=row.approved_at,
            suspended_at=row.suspended_at,
        )


class ApiKeyCreate(Strict):
    role: Role | None = Field(None, description="defaults to the role of the calling credential")
    label: str | None = Field(None, max_length=100)
    expires_at: AwareDatetime | None = None


class ApiKeyPublic(BaseModel):
    id: uuid.UUID
    participant_id: uuid.UUID
    prefix: str
    role: Role
    kind: str
    label: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: ApiKey) -> "ApiKeyPublic":
        return cls.model_validate(row, from_attributes=True)


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="shown once; only its hash is stored")


class ParticipantCreated(BaseModel):
    participant: ParticipantPublic
    api_keys: list[ApiKeyCreated] = Field(description="one per requested role; usable once the role is granted")


class NonceIssued(BaseModel):
    nonce: str
    issued_at: datetime
    expires_at: datetime
    domain: str
    uri: str
    chain_id: int


class SiweLogin(SiweProof):
    role: Role | None = Field(None, description="role of the session; may be omitted if the participant holds one")


class SessionIssued(BaseModel):
    token: str = Field(description="send as 'Authorization: Bearer <token>'")
    expires_at: datetime
    participant_id: uuid.UUID
    role: Role
