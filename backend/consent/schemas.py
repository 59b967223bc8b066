"""Request and response shapes of the consent, subject, offer and DID routes.

Signed messages travel as the EIP-712 ``message`` object a wallet signed
(``eth_signTypedData_v4``, field names as in the contract), the 65-byte signature, and
optionally the ``domain`` the client signed with, so a wrong chain or contract can be
named instead of reported as a bad signature.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from backend.consent.typed_data import Consent, Sweep, Withdrawal
from backend.core.addresses import checksummed


def _address(value: str) -> str:
    address = checksummed(value)
    if value != address and value[2:] != value[2:].lower() and value[2:] != value[2:].upper():
        raise ValueError("wrong EIP-55 checksum")  # mixed case is a checksum, and this one is wrong
    return address


Address = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{40}$"), AfterValidator(_address)]
Hex32 = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{64}$", to_lower=True)]
Signature = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{130}$")]
Uint = Annotated[int, Field(ge=0, lt=2**256)]


def _bytes(value: str) -> bytes:
    return bytes.fromhex(value[2:])


class DomainIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    chainId: int | None = None
    verifyingContract: Address | None = None


class ConsentMessageIn(BaseModel):
    subject: Address
    grantee: Address
    offerId: Uint
    purpose: Hex32
    dataCategoriesHash: Hex32
    expiry: Annotated[int, Field(ge=0, lt=2**64)]
    compensation: Uint
    nonce: Uint
    deadline: Uint

    def to_message(self) -> Consent:
        return Consent(
            subject=self.subject,
            grantee=self.grantee,
            offer_id=self.offerId,
            purpose=_bytes(self.purpose),
            data_categories_hash=_bytes(self.dataCategoriesHash),
            expiry=self.expiry,
            compensation=self.compensation,
            nonce=self.nonce,
            deadline=self.deadline,
        )


class WithdrawalMessageIn(BaseModel):
    subject: Address
    consentId: Hex32
    deadline: Uint

    def to_message(self) -> Withdrawal:
        return Withdrawal(subject=self.subject, consent_id=_bytes(self.consentId), deadline=self.deadline)


class SweepMessageIn(BaseModel):
    subject: Address
    token: Address
    recipient: Address
    nonce: Uint
    deadline: Uint

    def to_message(self) -> Sweep:
        return Sweep(
            subject=self.subject, token=self.token, recipient=self.recipient, nonce=self.nonce, deadline=self.deadline
        )


class SignedConsentIn(BaseModel):
    message: ConsentMessageIn
    signature: Signature
    domain: DomainIn | None = None


class SignedWithdrawalIn(BaseModel):
    message: WithdrawalMessageIn
    signature: Signature
    domain: DomainIn | None = None


class SignedSweepIn(BaseModel):
    message: SweepMessageIn
    signature: Signature
    domain: DomainIn | None = None


class ConsentTypedDataRequest(BaseModel):
    offer_id: Uint
    subject: Address = Field(description="the pairwise address that will sign")
    expiry: int = Field(description="unix seconds until which the consent holds")
    valid_for_seconds: int = Field(3600, ge=60, le=7 * 86_400, description="how long the signature may be relayed")


class TypedDataOut(BaseModel):
    consent_id: str
    typed_data: dict


class DomainOut(BaseModel):
    domain: dict
    types: dict[str, str]
    purposes: dict[str, str]
    data_categories: dict[str, str]


class PairwiseMessageOut(BaseModel):
    message: str
    chain_id: int
    registry: str


class ConsentAccepted(BaseModel):
    consent_id: str
    status: str = "relaying"
    outbox_id: int | None
    receipt_url: str


class WithdrawalAccepted(BaseModel):
    consent_id: str
    effective_at: datetime
    outbox_id: int | None


class SweepAccepted(BaseModel):
    subject: str
    token: str
    recipient: str
    amount: str
    outbox_id: int | None


class SubjectSessionIn(BaseModel):
    message: str = Field(description="an EIP-4361 message with a nonce from POST /v1/auth/nonce")
    signature: str


class SubjectSessionOut(BaseModel):
    token: str
    expires_at: datetime
    did: str


class ErasureIn(BaseModel):
    message: str = Field(description="a fresh EIP-4361 message whose statement is the erasure statement")
    signature: str
    withdrawals: list[SignedWithdrawalIn] = Field(default_factory=list, max_length=1000)


class ErasedConsentOut(BaseModel):
    consent_id: str
    on_chain: str = Field(description="queued | missing | invalid | not_needed")
    reason: str | None = None


class ErasureOut(BaseModel):
    erased: bool
    pairwise_unlinked: int
    consents: list[ErasedConsentOut]
    follow_up: str | None


class SubjectDataOut(BaseModel):
    subject: str
    purpose: str
    consent_ids: list[str]
    data: dict
    withheld: list[str] = Field(description="asked for, but no consent covers them for this purpose")
    not_shared: list[str] = Field(description="covered, but the consumer shared no value")


class OfferCreate(BaseModel):
    purpose: str = Field(description="a DPV purpose term, e.g. dpv:PersonalisedAdvertising")
    data_categories: list[str] = Field(min_length=1, max_length=16)
    token: str = Field("tUSD", description="a token of the deployment: symbol, deployment name or address")
    compensation: Uint = Field(description="token base units paid per grant (at most once per subject and period)")
    cap: int = Field(ge=1, description="grants the offer pays for; funded up front with compensation * cap")
    period_seconds: int = Field(ge=0, description="0: one period for the offer's whole life")


class OfferPublicationOut(BaseModel):
    publication_id: str
    offer_id: int | None
    approve: dict | None
    publish: dict | None
