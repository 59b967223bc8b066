"""Shapes of campaign and token requests and responses (the tables are in models.py).

Amounts are integer base units: requests take a JSON integer or a decimal string,
responses always write a decimal string (amounts pass 2**53).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from backend.campaigns.amounts import Amount, PositiveAmount
from backend.campaigns.models import CampaignActionKind

Address = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{40}$")]
Bytes32 = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{64}$")]
SignedTx = Annotated[
    str,
    StringConstraints(pattern=r"^0x[0-9a-fA-F]+$", max_length=262_144),
    Field(description="non-custodial only: the raw transaction the wallet signed (0x-hex)"),
]
TERMS_SCHEMA_PATH = "/v1/schemas/campaign-terms.v1.json"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CampaignCreate(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    token: str = Field(min_length=1, max_length=42, description="symbol (e.g. tUSD) or address from GET /v1/tokens")
    budget: Amount
    terms: Any = Field(description=f"pricing terms, a JSON document valid against {TERMS_SCHEMA_PATH}")
    ends_at: AwareDatetime
    attesters: list[Address] | None = Field(
        None, min_length=1, max_length=16, description="default: the platform's measurement service"
    )
    threshold: int | None = Field(None, ge=1, le=16, description="attester signatures per commit; default: all")
    verifier: Address | None = Field(None, description="an independent attester whose signature every commit needs")
    challenge_window: int | None = Field(
        None, ge=1, lt=2**32, description="seconds a committed root may be challenged; default: the escrow's minimum"
    )
    signed_transaction: SignedTx | None = None


class Permit(Strict):
    """An EIP-2612 permit of the campaign's token: owner = the advertiser, spender = the escrow, value = amount."""

    deadline: int = Field(ge=0, lt=2**256)
    v: int = Field(ge=0, le=255)
    r: Bytes32
    s: Bytes32

    def as_args(self) -> tuple[int, int, bytes, bytes]:
        return self.deadline, self.v, bytes.fromhex(self.r[2:]), bytes.fromhex(self.s[2:])


class FundRequest(Strict):
    amount: PositiveAmount
    permit: Permit | None = Field(None, description="non-custodial: fund with fundWithPermit instead of approve + fund")
    signed_transaction: SignedTx | None = None


class LifecycleRequest(Strict):
    signed_transaction: SignedTx | None = None


class TransactionPublic(BaseModel):
    outbox_id: int
    action: CampaignActionKind
    action_id: uuid.UUID
    kind: str
    status: str
    tx_hash: str | None
    block_number: int | None
    error: str | None


class CampaignActionPublic(BaseModel):
    id: uuid.UUID
    campaign_id: uuid.UUID
    kind: CampaignActionKind
    amount: Amount | None
    transactions: list[TransactionPublic]
    created_at: datetime


class TokenRef(BaseModel):
    symbol: str
    address: str
    decimals: int


class ChainRef(BaseModel):
    chain_id: int
    escrow: str
    campaign_id: int | None = Field(description="CampaignEscrow's id; null until createCampaign is mirrored")


class TermsPublic(BaseModel):
    cid: str
    terms_hash: str = Field(description="sha2-256 of the document, the digest in its CID, anchored on chain")
    schema_url: str
    document: dict[str, Any]


class CampaignPublic(BaseModel):
    id: uuid.UUID
    name: str
    status: str
    advertiser_id: uuid.UUID
    advertiser_address: str
    chain: ChainRef
    token: TokenRef
    budget: Amount
    deposit: Amount
    spent: Amount
    available: Amount = Field(description="deposit not yet spent (0 once refunded)")
    paused: bool
    end_time: int = Field(description="unix seconds; the chain's value once mirrored")
    refund_available_at: int | None
    terms: TermsPublic
    attesters: list[str]
    threshold: int
    verifier: str | None
    challenge_window: int
    created_at: datetime
    anchored_at: datetime | None
    anchor_error: str | None
    pending_transactions: list[TransactionPublic]
    failed_transactions: list[TransactionPublic]


class PublisherShare(BaseModel):
    publisher: str
    participant_id: uuid.UUID | None
    settled: Amount = Field(description="cumulative earnings paid out so far, fees included")
    paid: Amount
    fees: Amount


class CampaignReport(BaseModel):
    campaign_id: uuid.UUID
    chain_campaign_id: int | None
    status: str
    token: TokenRef
    budget: Amount
    deposit: Amount
    pending_deposit: Amount = Field(description="fund transactions not yet mirrored")
    spent: Amount = Field(description="cumulative spend of the newest committed settlement")
    matured_spent: Amount
    paid: Amount = Field(description="sent to publishers")
    fees: Amount = Field(description="platform fees on those payouts")
    refunded: Amount
    available: Amount
    publishers: list[PublisherShare]
    pending_transactions: list[TransactionPublic]
    failed_transactions: list[TransactionPublic]


class PublisherCampaignLine(BaseModel):
    campaign_id: uuid.UUID | None
    chain_campaign_id: int
    token: str
    earned: Amount = Field(description="billed to the campaign for this publisher, fees included")
    paid: Amount = Field(description="received by the publisher")
    fees: Amount
    pending: Amount = Field(description="earned but not paid out yet, fees included")


class PublisherTotal(BaseModel):
    token: str
    earned: Amount
    paid: Amount
    fees: Amount
    pending: Amount


class PublisherReport(BaseModel):
    participant_id: uuid.UUID
    address: str | None
    campaigns: list[PublisherCampaignLine]
    totals: list[PublisherTotal] = Field(description="per token; amounts of different tokens never add up")


class TokenPublic(BaseModel):
    symbol: str
    name: str
    address: str
    decimals: int
    allowed: bool
    fee_bps: int | None = Field(description="platform fee on payouts; null until the mirror has the configuration")
    challenge_bond: Amount | None


class TokenConfigUpdate(Strict):
    allowed: bool
    fee_bps: int = Field(ge=0, le=1000)
    challenge_bond: Amount


class MintRequest(Strict):
    """Faucet: mint test tokens to a participant (by id) or an address, and optionally gas money."""

    participant_id: uuid.UUID | None = None
    address: Address | None = None
    amount: PositiveAmount
    gas_wei: Amount = Field(
        0, description="native currency sent from the deployer key too, for custodial keys on chains that charge gas"
    )

    @model_validator(mode="after")
    def _one_recipient(self) -> "MintRequest":
        if (self.participant_id is None) == (self.address is None):
            raise ValueError("name exactly one recipient: participant_id or address")
        return self


class TokenOperation(BaseModel):
    token: str
    to: str | None
    amount: Amount | None
    outbox_ids: list[int]


class TokenBalancePublic(BaseModel):
    symbol: str
    address: str
    holder: str
    balance: Amount = Field(description="wallet balance in base units, as the mirror has it")
