"""Queue ``commitSettlement`` for a stored settlement once its signatures are complete.

Both the settle pass (the platform's attester suffices) and the co-signing route (the
signature that completes the set) end here, in their own transaction: the outbox row
and the settlement's link to it are written together, so the one sender sends exactly
one commit per settlement.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session

from backend.campaigns.chain import escrow_call
from backend.chain.outbox import OutboxTransaction, enqueue
from backend.settlement.encoding.attestation import SettlementAttestation
from backend.settlement.onchain.writes import SettlementChain, commit_reference
from backend.settlement.models import Settlement

COMMIT_KIND = "CampaignEscrow.commitSettlement"


def attestation_of(settlement: Settlement) -> SettlementAttestation:
    """The figures the settlement's attesters sign, as stored."""
    return SettlementAttestation(
        campaign_id=settlement.campaign_id,
        epoch=settlement.epoch,
        events_root=bytes(settlement.events_root),
        balance_root=bytes(settlement.balance_root),
        cumulative_spent=settlement.cumulative_spent,
        event_count=settlement.event_count,
        revision=settlement.revision,
    )


def in_signer_order(signatures: Mapping[str, bytes]) -> list[bytes]:
    """Signatures by signer address, ascending as ``CampaignEscrow._checkAttestations`` requires."""
    return [signatures[signer] for signer in sorted(signatures, key=lambda address: int(address, 16))]


def queue_commit(
    session: Session, chain: SettlementChain, settlement: Settlement, signatures: Mapping[str, bytes]
) -> OutboxTransaction:
    """Add the commit to the outbox and link it to the settlement; the caller commits."""
    ordered = in_signer_order(signatures)
    row = enqueue(
        session,
        sender=chain.relayer,
        to=settlement.escrow_address,
        data=escrow_call("commitSettlement", *attestation_of(settlement).commit_args(ordered)),
        kind=COMMIT_KIND,
        reference=commit_reference(settlement.id),
    )
    session.flush()
    settlement.outbox_id = row.id
    settlement.signatures = b"".join(ordered)
    session.add(settlement)
    session.flush()
    return row
