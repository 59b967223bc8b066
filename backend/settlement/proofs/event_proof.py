"""The proof of one billed event: its leaf, its canonical record, the path to the epoch's eventsRoot,
and the epoch's ``SettlementRecord`` as the chain holds it, everything ``verifyEvent`` takes.

The tree is rebuilt from the stored, sorted leaf hashes of the event's settlement; a few
recent trees stay in memory, because proofs of one epoch tend to be asked together.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from backend.ads.event_hash import record_of_row
from backend.campaigns.kinds import EventKind
from backend.ads.models import AdEvent, EventStatus
from backend.campaigns.mirror import Mirror
from backend.proofs.merkle import MerkleTree
from backend.settlement.encoding.leaves import EventLeaf
from backend.settlement.epochs.store import leaf_hashes_of
from backend.settlement.errors import EventNotBilled, EventNotSettled
from backend.settlement.models import Settlement, SettlementEvent, SettlementStatus
from backend.settlement.onchain.reads import chain_record
from backend.settlement.schemas import EventLeafPublic, EventProof, SettlementRecordPublic
from indexer.models import Settlement as ChainSettlement

_CACHED_TREES = 8
_trees: OrderedDict[tuple[str, int], MerkleTree] = OrderedDict()
_trees_lock = threading.Lock()


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def billed_event_leaf(row: Mapping[str, Any], *, epoch: int) -> EventLeaf:
    """The ``eventsRoot`` leaf of an ``ad_events`` row billed in ``epoch``'s settlement.

    Only billed events have a leaf, and no personal data enters it.
    """
    if row["status"] != EventStatus.BILLED or row["price"] is None:
        raise ValueError(f"event {row['id']} is {row['status']}, not billed: it has no leaf")
    return EventLeaf(
        campaign_id=row["campaign_id"],
        epoch=epoch,
        event_hash=bytes(row["event_hash"]),
        publisher=row["publisher"],
        kind=EventKind(row["kind"]).code,
        price=row["price"],
    )


def stored_event(session: Session, event_id: int) -> dict | None:
    row = session.connection().execute(core_select(AdEvent.__table__).where(AdEvent.__table__.c.id == event_id))
    found = row.mappings().first()
    return dict(found) if found else None


def settlement_of(session: Session, event_id: int) -> Settlement | None:
    """The live settlement that billed the event (an event re-settled after a discard has one live)."""
    return session.exec(
        select(Settlement)
        .join(SettlementEvent, col(SettlementEvent.settlement_id) == col(Settlement.id))
        .where(
            SettlementEvent.event_id == event_id,
            col(SettlementEvent.billed),
            Settlement.status == SettlementStatus.LIVE,
        )
        .order_by(col(Settlement.epoch).desc())
    ).first()


def events_tree(session: Session, settlement: Settlement) -> MerkleTree:
    key = (str(session.get_bind().url), settlement.id)
    with _trees_lock:
        tree = _trees.get(key)
        if tree is not None:
            _trees.move_to_end(key)
            return tree
    tree = MerkleTree(leaf_hashes_of(session, settlement.id))
    with _trees_lock:
        _trees[key] = tree
        while len(_trees) > _CACHED_TREES:
            _trees.popitem(last=False)
    return tree


def event_proof(session: Session, mirror: Mirror, row: dict, *, chain_id: int) -> EventProof:
    """Raises SettlementConflict (409) for an event that is not billed, or billed in no live settlement yet."""
    if row["status"] != EventStatus.BILLED:
        raise EventNotBilled(
            f"event {row['id']} is {row['status']}: only billed events are in a root",
            {"status": row["status"], "reason": row["reason"]},
        )
    settlement = settlement_of(session, row["id"])
    if settlement is None:
        raise EventNotSettled(f"event {row['id']} is not in a live settlement yet")
    leaf = billed_event_leaf(row, epoch=settlement.epoch)
    leaf_hash = leaf.hash()
    proof = events_tree(session, settlement).proof(leaf_hash)
    mirrored = (
        session.get(ChainSettlement, (settlement.escrow_address, settlement.campaign_id, settlement.epoch))
        if mirror.ready
        else None
    )
    if mirrored is not None and mirrored.events_root.lower() != _hex(settlement.events_root):
        mirrored = None
    record = chain_record(mirrored) if mirrored is not None else None
    return EventProof(
        event_id=row["id"],
        chain_id=chain_id,
        escrow=settlement.escrow_address,
        leaf=EventLeafPublic(
            campaign_id=leaf.campaign_id,
            epoch=leaf.epoch,
            event_hash=_hex(leaf.event_hash),
            publisher=leaf.publisher,
            kind=leaf.kind,
            price=leaf.price,
        ),
        leaf_hash=_hex(leaf_hash),
        record=record_of_row(row),
        proof=[_hex(node) for node in proof],
        epoch=settlement.epoch,
        events_root=_hex(settlement.events_root),
        on_chain=mirrored is not None and mirrored.status != "discarded",
        chain_status=mirrored.status if mirrored is not None else None,
        settlement_record=SettlementRecordPublic(
            events_root=_hex(record.events_root),
            balance_root=_hex(record.balance_root),
            cumulative_spent=record.cumulative_spent,
            committed_at=record.committed_at,
            revision=record.revision,
        ) if record is not None else None,
        commit_tx_hash=mirrored.tx_hash if mirrored is not None else None,
    )
