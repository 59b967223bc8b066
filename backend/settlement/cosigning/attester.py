"""What the co-signing API does: settlements awaiting an attester, their leaves, and accepting a signature.

An attester named on a campaign lists the settlements that still need its signature,
each with the figures, the EIP-712 typed data and digest, and where the epoch's leaves
are; it rebuilds both roots from those leaves, signs in its wallet and posts the
signature. A custodial attester may ask the platform to sign with its custodial key
instead. A signature is refused (coded 4xx) unless it is a well-formed 65-byte signature
that recovers, over exactly the stored figures, to the caller's own address, the caller
is a named attester or the verifier of the campaign (as mirrored), it is an active
attester on chain, and the commit would not revert now (escrow or campaign paused,
settlement closed); a repeat by the same signer answers as the first did. The
signature that completes the set queues ``commitSettlement`` (``cosigning.collect``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from eth_keys.exceptions import BadSignature
from eth_utils import to_checksum_address
from eth_utils.exceptions import ValidationError
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from backend.ads.event_hash import record_of_row
from backend.campaigns.kinds import EventKind
from backend.ads.models import AdEvent
from backend.settlement.errors import (
    AttesterNotActive,
    CommitNotPossible,
    CustodialKeyUnavailable,
    MalformedSignature,
    MirrorUnavailable,
    NotAwaitingAttestations,
    NotCampaignAttester,
    NotCustodial,
    SignatureMismatch,
    UnknownSettlement,
)
from backend.campaigns.mirror import Mirror
from backend.campaigns.models import Campaign
from backend.chain.outbox import OutboxTransaction
from backend.core.config import Settings
from backend.identity.models import CustodyMode, Participant
from backend.identity.roles import Role, has_role
from backend.keys import KeyCustodyError, signer_for
from backend.settlement.encoding.attestation import digest, recover_signer, sign, typed_data
from backend.settlement.onchain.writes import SettlementChain
from backend.settlement.cosigning.commit import attestation_of
from backend.settlement.cosigning.signers import Signers, all_awaiting, collect, signatures_of
from backend.settlement.encoding.leaf_hashing import EventLeafHasher, balance_leaf_hash
from backend.settlement.models import (
    Settlement,
    SettlementBalance,
    SettlementEvent,
    SettlementSignature,
    SettlementStatus,
)
from backend.settlement.epochs.reconcile import reconcile_campaign
from backend.settlement.schemas import (
    AttestationProgress,
    BalanceLeafLine,
    EpochLeaves,
    EventLeafLine,
    EventLeafPublic,
    SettlementToAttest,
    SignerPublic,
)
from backend.settlement.epochs.settle import commit_refused
from backend.settlement.epochs.store import lock_campaign
from backend.settlement.reports import settlement_status, transaction_ref
from indexer.models import Campaign as ChainCampaign, Settlement as ChainSettlement

_SIGNATURE = re.compile(r"^0x[0-9a-fA-F]{130}$")
_SECP256K1_HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0
MAX_LEAVES_PAGE = 5_000


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _address(participant: Participant) -> str | None:
    return to_checksum_address(participant.chain_address) if participant.chain_address else None


def parse_signature(text: str | None) -> bytes:
    """65 bytes (r, s, v) as the contract's ECDSA takes them: v 27 or 28 (0 or 1 are moved up), low s."""
    if text is None or not _SIGNATURE.match(text):
        raise MalformedSignature("send the signature as 0x followed by 130 hex digits (r, s, v)")
    raw = bytearray(bytes.fromhex(text[2:]))
    if raw[64] in (0, 1):
        raw[64] += 27
    if raw[64] not in (27, 28) or int.from_bytes(raw[32:64], "big") > _SECP256K1_HALF_N:
        raise MalformedSignature("v must be 27 or 28 and s in the lower half of the curve order")
    return bytes(raw)


def awaiting_for(
    session: Session, mirror: Mirror, chain_id: int, escrow: str, caller: Participant | None
) -> list[SettlementToAttest]:
    """Settlements awaiting attestations: those still missing `caller`'s signature, or all (caller None)."""
    waiting = all_awaiting(session, escrow)
    if not waiting:
        return []
    campaigns = mirror.campaigns(escrow, sorted({s.campaign_id for s in waiting}))
    held = signatures_of(session, [s.id for s in waiting])
    address = _address(caller) if caller is not None else None
    result = []
    for settlement in waiting:
        on_chain = campaigns.get(settlement.campaign_id)
        if on_chain is None:
            continue
        signers = Signers.of(on_chain)
        if caller is not None and (not signers.named(address) or address in held[settlement.id]):
            continue
        result.append(_to_attest(session, mirror, settlement, on_chain, signers, chain_id, escrow))
    return result


def _to_attest(
    session: Session,
    mirror: Mirror,
    settlement: Settlement,
    on_chain: ChainCampaign,
    signers: Signers,
    chain_id: int,
    escrow: str,
) -> SettlementToAttest:
    attestation = attestation_of(settlement)
    campaign_id = session.exec(
        select(Campaign.id).where(
            Campaign.escrow_address == escrow, Campaign.chain_campaign_id == settlement.campaign_id
        )
    ).first()
    return SettlementToAttest(
        **progress(session, mirror, settlement, signers).model_dump(),
        campaign_id=campaign_id,
        chain_campaign_id=settlement.campaign_id,
        chain_id=chain_id,
        escrow=escrow,
        epoch=settlement.epoch,
        events_root=_hex(attestation.events_root),
        balance_root=_hex(attestation.balance_root),
        cumulative_spent=settlement.cumulative_spent,
        billed_amount=settlement.billed_amount,
        event_count=settlement.event_count,
        revision=settlement.revision,
        attesters=sorted(on_chain.attesters),
        threshold=on_chain.threshold,
        verifier=on_chain.verifier,
        typed_data=typed_data(attestation, chain_id, escrow),
        digest=_hex(digest(attestation, chain_id, escrow)),
        leaves=f"/v1/settlements/{settlement.id}/leaves",
    )


def progress(session: Session, mirror: Mirror, settlement: Settlement, signers: Signers) -> AttestationProgress:
    rows = list(
        session.exec(
            select(SettlementSignature)
            .where(SettlementSignature.settlement_id == settlement.id)
            .order_by(SettlementSignature.created_at)
        )
    )
    outbox = session.get(OutboxTransaction, settlement.outbox_id) if settlement.outbox_id else None
    attesters, verifier = signers.still_needed(row.signer for row in rows)
    mirrored = (
        session.get(ChainSettlement, (settlement.escrow_address, settlement.campaign_id, settlement.epoch))
        if mirror.ready
        else None
    )
    if mirrored is not None and mirrored.events_root.lower() != _hex(bytes(settlement.events_root)):
        mirrored = None  # an earlier, discarded commit of the same epoch number
    return AttestationProgress(
        settlement_id=settlement.id,
        status=settlement_status(settlement, outbox, mirrored, False),
        signed=[
            SignerPublic(signer=r.signer, as_verifier=r.as_verifier, custodial=r.custodial, signed_at=r.created_at)
            for r in rows
        ],
        needed_attesters=attesters,
        needs_verifier=verifier,
        commit=transaction_ref(outbox) if outbox else None,
    )


def accept_attestation(
    session: Session,
    chain: SettlementChain,
    mirror: Mirror,
    settlement_id: int,
    caller: Participant,
    *,
    signature: str | None,
    custodial: bool,
    settings: Settings,
) -> AttestationProgress:
    """Keep the caller's signature over the settlement (or sign with its custodial key); the caller commits."""
    settlement = session.get(Settlement, settlement_id)
    if settlement is None or settlement.escrow_address != chain.escrow:
        raise UnknownSettlement(f"no settlement {settlement_id}")
    lock_campaign(session, settlement.campaign_id)
    reconcile_campaign(session, chain.escrow, settlement.campaign_id, mirror_ready=mirror.ready)
    session.refresh(settlement)
    on_chain = mirror.campaign(chain.escrow, settlement.campaign_id)
    if on_chain is None:
        raise MirrorUnavailable("the chain mirror has not seen this settlement's campaign")
    signers = Signers.of(on_chain)
    address = _address(caller)
    if not signers.named(address):
        raise NotCampaignAttester(
            "the caller is neither an attester nor the verifier of this campaign",
            {"attesters": sorted(signers.attesters), "verifier": signers.verifier},
        )
    attestation = attestation_of(settlement)
    if custodial:
        raw = _custodial_signature(session, caller, address, settlement, chain, settings)
    else:
        raw = parse_signature(signature)
        try:
            recovered = to_checksum_address(recover_signer(attestation, raw, chain.chain_id, chain.escrow))
        except (BadSignature, ValidationError, ValueError):
            raise MalformedSignature("no signer can be recovered from this signature") from None
        if recovered != address:
            raise SignatureMismatch(
                
                "the signature does not recover to the caller's address over this settlement's figures "
                "(other figures, another domain, or another key)",
                {"recovered": recovered, "expected": address,
                 "digest": _hex(digest(attestation, chain.chain_id, chain.escrow))},
            )
    if address in signatures_of(session, [settlement.id])[settlement.id]:
        return progress(session, mirror, settlement, signers)
    if settlement.status != SettlementStatus.LIVE or settlement.outbox_id is not None:
        raise NotAwaitingAttestations(
            f"settlement {settlement.id} does not await attestations",
            {"status": progress(session, mirror, settlement, signers).status, "reason": settlement.status_reason},
        )
    refused = commit_refused(mirror, chain.escrow, on_chain)
    if refused is not None:
        raise CommitNotPossible(
            f"commitSettlement would revert now ({refused}); sign again once it would not",
            {"reason": str(refused)},
        )
    if not _active_attester(mirror, chain.registry, address):
        raise AttesterNotActive(
            f"{address} is not an active attester on chain (roles, KYC, suspension)"
        )
    collect(session, chain, settlement, signers, {address: raw}, submitted_by=caller.id, custodial=custodial)
    return progress(session, mirror, settlement, signers)


def _custodial_signature(
    session: Session, caller: Participant, address: str, settlement: Settlement, chain: SettlementChain,
    settings: Settings,
) -> bytes:
    if caller.custody_mode != CustodyMode.CUSTODIAL:
        raise NotCustodial("the platform holds no key of this attester; send a signature")
    try:
        account = signer_for(session, address, settings=settings)
    except KeyCustodyError as exc:
        raise CustodialKeyUnavailable(
            f"the custodial key cannot be opened: {type(exc).__name__}"
        ) from None
    return sign(attestation_of(settlement), account.key, chain.chain_id, chain.escrow)


def _active_attester(mirror: Mirror, registry: str, address: str) -> bool:
    row = mirror.participant(registry, address)
    chain_now = mirror.chain_time() or 0
    return row is not None and has_role(row.roles, Role.ATTESTER) and not row.suspended and row.kyc_expiry > chain_now


def readable(mirror: Mirror, settlement: Settlement, caller: Participant, all_tenants: bool) -> bool:
    """Auditors and admins read every settlement's leaves; an attester those of its campaigns."""
    if all_tenants:
        return True
    on_chain = mirror.campaign(settlement.escrow_address, settlement.campaign_id)
    return on_chain is not None and Signers.of(on_chain).named(_address(caller))


def epoch_leaves(session: Session, settlement: Settlement, *, offset: int, limit: int) -> EpochLeaves:
    """Both trees' leaves of a settlement: every balance leaf and one page of billed events (by id)."""
    balances = session.exec(
        select(SettlementBalance.publisher, SettlementBalance.cumulative_earned)
        .where(SettlementBalance.settlement_id == settlement.id, col(SettlementBalance.in_root))
        .order_by(SettlementBalance.publisher)
    ).all()
    events = _billed_events(session, settlement.id, offset, limit + 1)
    hasher = EventLeafHasher(settlement.campaign_id, settlement.epoch)
    lines = []
    for row in events[:limit]:
        leaf = EventLeafPublic(
            campaign_id=settlement.campaign_id,
            epoch=settlement.epoch,
            event_hash=_hex(bytes(row["event_hash"])),
            publisher=row["publisher"],
            kind=EventKind(row["kind"]).code,
            price=row["price"],
        )
        leaf_hash = hasher.hash(bytes(row["event_hash"]), row["publisher"], leaf.kind, row["price"])
        lines.append(EventLeafLine(event_id=row["id"], leaf=leaf, leaf_hash=_hex(leaf_hash), record=record_of_row(row)))
    return EpochLeaves(
        settlement_id=settlement.id,
        chain_campaign_id=settlement.campaign_id,
        epoch=settlement.epoch,
        events_root=_hex(bytes(settlement.events_root)),
        balance_root=_hex(bytes(settlement.balance_root)),
        cumulative_spent=settlement.cumulative_spent,
        event_count=settlement.event_count,
        balances=[
            BalanceLeafLine(
                publisher=publisher,
                cumulative_earned=earned,
                leaf_hash=_hex(balance_leaf_hash(settlement.campaign_id, publisher, earned)),
            )
            for publisher, earned in balances
        ],
        events=lines,
        offset=offset,
        next_offset=offset + limit if len(events) > limit else None,
    )


def _billed_events(session: Session, settlement_id: int, offset: int, limit: int) -> Sequence[dict]:
    events = AdEvent.__table__
    links = SettlementEvent.__table__
    rows = session.connection().execute(
        core_select(events)
        .join(links, links.c.event_id == events.c.id)
        .where(links.c.settlement_id == settlement_id, links.c.billed)
        .order_by(events.c.id)
        .offset(offset)
        .limit(limit)
    )
    return [dict(row) for row in rows.mappings()]
