"""Shapes of the settlement, payout, challenge and proof API. Amounts are base units as decimal strings;
hashes and proofs 0x-hex."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from backend.campaigns.amounts import Amount
from backend.campaigns.schemas import SignedTx


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TransactionRef(BaseModel):
    outbox_id: int
    kind: str
    status: str
    tx_hash: str | None
    block_number: int | None
    error: str | None


class ChallengePublic(BaseModel):
    chain_campaign_id: int
    number: int = Field(description="counts the campaign's challenges from 1")
    epoch: int
    challenger: str
    bond: Amount
    deadline: int = Field(description="unix seconds (chain time) by which an auditor must resolve it")
    outcome: str | None = Field(description="upheld | rejected | expired; null while open")
    resolver: str | None
    campaign_id: uuid.UUID | None = Field(None, description="the platform's campaign (the resolution endpoint's id)")
    campaign_name: str | None = None
    resolution_pending: bool = Field(False, description="a resolution was sent and is not mirrored yet")


class SettlementPublic(BaseModel):
    id: int
    epoch: int
    status: str = Field(
        description="awaiting_attestations (co-signed, its commit waits for the other attesters) | queued | sending "
        "| mined (not mirrored yet) | committed | challenged | matured | superseded "
        "(a later root matured) | discarded (a challenge was upheld) | failed (the commit reverted)"
    )
    status_reason: str | None
    events_root: str
    balance_root: str
    cumulative_spent: Amount
    billed_amount: Amount
    event_count: int
    priced_count: int
    commit: TransactionRef | None
    committed_at: int | None = Field(description="block timestamp of the commit")
    matures_at: int | None = Field(description="when its challenge window closes (chain time)")
    revision: int | None


class CampaignSettlements(BaseModel):
    campaign_id: uuid.UUID
    chain_campaign_id: int | None
    token: str
    challenge_window: int | None
    matured_epoch: int | None
    chain_time: int | None
    open_challenge: ChallengePublic | None
    challenges: list[ChallengePublic]
    settlements: list[SettlementPublic]


class PublisherSettlementLine(BaseModel):
    publisher: str
    participant_id: uuid.UUID | None
    billed_events: int
    billed: Amount = Field(description="priced into settled epochs, fees included")
    committed: Amount = Field(description="cumulative earnings in the newest live root")
    matured: Amount = Field(description="cumulative earnings in the matured root: what may be paid now")
    settled: Amount = Field(description="paid out so far, fees included")
    paid: Amount = Field(description="received by the publisher")
    fees: Amount
    claimable: Amount = Field(description="matured but not paid yet (before the fee)")


class SettlementReport(BaseModel):
    campaign_id: uuid.UUID
    chain_campaign_id: int | None
    token: str
    deposit: Amount
    billed_events: int
    billed: Amount = Field(description="priced into epochs, committed or on the way")
    spent: Amount = Field(description="cumulative spend of the newest live settlement")
    committed_on_chain: Amount = Field(description="cumulative spend the escrow holds")
    matured: Amount
    paid: Amount
    fees: Amount
    claimable: Amount
    publishers: list[PublisherSettlementLine]


class PayoutPublic(BaseModel):
    cumulative_earned: Amount
    amount: Amount
    fee: Amount
    tx_hash: str
    block_number: int
    block_timestamp: int


class PublisherPayoutLine(BaseModel):
    campaign_id: uuid.UUID | None
    chain_campaign_id: int
    token: str
    billed: Amount = Field(description="earned in priced epochs, fees included")
    committed: Amount
    matured: Amount
    settled: Amount
    paid: Amount
    fees: Amount
    pending: Amount = Field(description="billed but not settled yet (fees included)")
    claimable: Amount = Field(description="in the matured root, not paid yet: what a payout sends now (before fee)")
    frozen: bool = Field(description="a challenge is open: no newer root matures until it is resolved")
    payouts: list[PayoutPublic]
    in_flight: list[TransactionRef]


class PublisherPayouts(BaseModel):
    participant_id: uuid.UUID
    address: str | None
    campaigns: list[PublisherPayoutLine]


class PayoutRequest(Strict):
    campaign_id: uuid.UUID


class ChallengeCreate(Strict):
    campaign_id: uuid.UUID
    epoch: int = Field(ge=1)
    signed_transaction: SignedTx | None = None


class ResolutionRequest(Strict):
    upheld: bool
    invalid_event_ids: Annotated[list[int], Field(max_length=10_000)] = Field(
        default_factory=list,
        description="upheld only: billed events the auditor found invalid; filtered when re-settled",
    )
    signed_transaction: SignedTx | None = None


class ChallengeAction(BaseModel):
    chain_campaign_id: int
    epoch: int
    transactions: list[TransactionRef]
    corrections: int = 0


class EventLeafPublic(BaseModel):
    campaign_id: int
    epoch: int
    event_hash: str
    publisher: str
    kind: int = Field(description="0 impression, 1 click, 2 conversion")
    price: Amount


class SettlementRecordPublic(BaseModel):
    events_root: str
    balance_root: str
    cumulative_spent: Amount
    committed_at: int
    revision: int


class EventProof(BaseModel):
    event_id: int
    chain_id: int
    escrow: str
    leaf: EventLeafPublic
    leaf_hash: str
    record: dict[str, Any] = Field(description="the canonical event record; keccak256 of its JSON is eventHash")
    proof: list[str]
    epoch: int
    events_root: str
    on_chain: bool = Field(description="the root is committed on chain (mirror) and was not discarded")
    chain_status: str | None = Field(description="the mirror's status of the epoch")
    settlement_record: SettlementRecordPublic | None = Field(
        description="what verifyEvent takes with the proof; null until the commit is mirrored"
    )
    commit_tx_hash: str | None


class AttestationRequest(Strict):
    signature: str | None = Field(
        None, description="0x + 130 hex digits: the caller's EIP-712 signature of the settlement's typed_data"
    )
    custodial: bool = Field(
        False, description="instead of a signature: the platform signs with the caller's custodial key"
    )


class SignerPublic(BaseModel):
    signer: str
    as_verifier: bool
    custodial: bool = Field(description="signed by the platform with the attester's custodial key")
    signed_at: datetime


class AttestationProgress(BaseModel):
    settlement_id: int
    status: str = Field(description="awaiting_attestations until the set is complete, then as in SettlementPublic")
    signed: list[SignerPublic] = Field(description="signatures collected (the platform's attester's included)")
    needed_attesters: int = Field(description="attester signatures still missing to reach the threshold")
    needs_verifier: bool = Field(description="the campaign's verifier has not signed yet")
    commit: TransactionRef | None = Field(description="commitSettlement, queued once the set is complete")


class SettlementToAttest(AttestationProgress):
    campaign_id: uuid.UUID | None
    chain_campaign_id: int
    chain_id: int
    escrow: str
    epoch: int
    events_root: str
    balance_root: str
    cumulative_spent: Amount = Field(description="the campaign's spend after this epoch, base units")
    billed_amount: Amount = Field(description="billed in this epoch: cumulative_spent minus the previous commit's")
    event_count: int = Field(description="billed events: leaves of eventsRoot")
    revision: int = Field(
        description="the campaign revision these figures build on, signed with them: the commit reverts "
        "(CampaignEscrowStaleRevision) once a challenge has moved the campaign to a later revision"
    )
    attesters: list[str]
    threshold: int
    verifier: str | None
    typed_data: dict[str, Any] = Field(description="eth_signTypedData_v4 payload of the Settlement attestation")
    digest: str = Field(description="its EIP-712 digest, what CampaignEscrow.attestationDigest returns")
    leaves: str = Field(description="path of the epoch's leaves, to recompute both roots before signing")


class EventLeafLine(BaseModel):
    event_id: int
    leaf: EventLeafPublic
    leaf_hash: str
    record: dict[str, Any] = Field(description="the canonical event record; keccak256 of its JSON is eventHash")


class BalanceLeafLine(BaseModel):
    publisher: str
    cumulative_earned: Amount
    leaf_hash: str


class EpochLeaves(BaseModel):
    """The leaves of one settled epoch: both trees can be rebuilt from them (OpenZeppelin's
    StandardMerkleTree: sorted leaves, sorted-pair hashing)."""

    settlement_id: int
    chain_campaign_id: int
    epoch: int
    events_root: str
    balance_root: str
    cumulative_spent: Amount
    event_count: int
    balances: list[BalanceLeafLine] = Field(description="every balanceRoot leaf")
    events: list[EventLeafLine] = Field(description="billed events by id, one page of them")
    offset: int
    next_offset: int | None = Field(description="where the next page starts; null on the last")
