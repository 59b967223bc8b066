"""Anchor each actor's recorded events, per brand, on the ProvenanceRegistry.

One pass (``Anchorer.run_once``, the Celery task ``anchor_events``):

1. settle: a mined transaction -> ``anchored``; a reverted or refused one, or a batch
   left unsigned past its deadline -> ``failed``, its events pending again (and so in
   this pass's new batches);
2. build: for every (actor, brand) with unanchored events, claim them into a new batch,
   store its EPCISDocument in the content store and fix the signed message (root, count,
   document CID, nonce, deadline) and so its batch id -> ``built``;
3. sign: batches of custodial actors are signed with the actor's custodial key and
   ``anchorEvents`` is queued on the outbox, sent by the platform relayer -> ``submitted``
   (a non-custodial actor fetches the typed data and posts its own signature through the
   API, which calls `submit_signed` the same way).

Guarantees: each step commits alone, with the state it reaches, so a crash between
steps leaves a state the next pass continues from and a crash within one leaves
nothing (a repeated content-store put is harmless: content is addressed by its hash).
Events are claimed and statuses moved with conditional updates, so passes running
at the same time never batch an event twice or queue a batch twice. The relayer only
carries the actor's signature: it cannot change a batch without invalidating it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from eth_account import Account
from eth_utils import to_checksum_address
from sqlmodel import Session, col, select

from backend.chain.outbox import FINAL, OutboxStatus, OutboxTransaction
from backend.chain.outbox import enqueue as outbox_enqueue
from backend.chain.sender.rpc import JsonRpc, RpcError, RpcTransportError
from backend.content import ContentStore, ContentStoreError, content_store_from_url
from backend.core.config import Settings
from backend.core.db import engine_for
from backend.identity.models import CustodyMode, Participant
from backend.identity.ports import Enqueue
from backend.keys import KeyCustodyError, MasterKey, signer_for
from backend.provenance.anchor_signature import EventBatch, batch_id, sign_event_batch, signable
from backend.provenance.batch_document import batch_document
from backend.provenance.chain import REGISTRY, anchor_events_call, cid_bytes
from backend.provenance.models import AnchorBatch, AnchorStatus
from backend.provenance.service import (
    BatchRaced,
    ProvenanceError,
    actor_serves,
    build_pending_batch,
    move_anchor,
    next_anchor_nonce,
    pending_pairs,
    release_failed,
)
from contracts.deployment import DeploymentManifest, ManifestError

log = logging.getLogger(__name__)

ANCHOR_TTL_SECONDS = 86_400  # how long a built batch may wait for its signature and relay
# The content store holds at most 1 MiB per object; this leaves room for the document's envelope.
MAX_DOCUMENT_BYTES = 900 * 1024
_SETTLE_CHUNK = 500


class AnchoringNotConfigured(RuntimeError):
    """No ProvenanceRegistry in the manifest, or no relayer key to send anchors with."""


class AnchorNotOpen(ProvenanceError):
    """The batch is not waiting for a signature (already submitted, anchored, failed or expired)."""


class InvalidAnchorSignature(ProvenanceError):
    pass


@dataclass(frozen=True)
class AnchorTarget:
    chain_id: int
    registry: str
    relayer: str  # the platform key that sends every anchorEvents transaction

    @classmethod
    def from_settings(cls, settings: Settings) -> "AnchorTarget":
        try:
            manifest = DeploymentManifest.load(settings.manifest_path)
            registry = manifest.address(REGISTRY)
        except ManifestError as exc:
            raise AnchoringNotConfigured(str(exc)) from exc
        if settings.relayer_private_key is None:
            raise AnchoringNotConfigured("TRUSTLEDGER_RELAYER_PRIVATE_KEY is not set; anchors cannot be relayed")
        relayer = Account.from_key(settings.relayer_private_key.get_secret_value()).address
        return cls(chain_id=manifest.chain_id, registry=to_checksum_address(registry), relayer=relayer)


def parties_of(session: Session, anchor: AnchorBatch) -> tuple[Participant, Participant]:
    """(actor, brand) of a batch."""
    return session.get(Participant, anchor.actor_id), session.get(Participant, anchor.brand_id)


def event_batch(session: Session, anchor: AnchorBatch) -> EventBatch:
    """The EIP-712 message of a built batch, as its actor signs it."""
    actor, brand = parties_of(session, anchor)
    return EventBatch(
        actor=actor.chain_address,
        brand=brand.chain_address,
        events_root=bytes.fromhex(anchor.events_root[2:]),
        event_count=anchor.event_count,
        document_cid=cid_bytes(anchor.document_cid),
        nonce=anchor.nonce,
        deadline=anchor.deadline,
    )


def build_batch(
    session: Session,
    *,
    actor: Participant,
    brand: Participant,
    store: ContentStore,
    target: AnchorTarget,
    deadline: int,
) -> AnchorBatch | None:
    """Step 1 for one (actor, brand): a built batch of its pending events, or None when none are pending.

    Raises `BatchRaced` (roll back) and `ContentStoreError` (roll back; the events stay pending).
    """
    pending = build_pending_batch(
        session,
        actor_id=actor.id,
        brand_id=brand.id,
        nonce=next_anchor_nonce(session, actor.id),
        max_document_bytes=MAX_DOCUMENT_BYTES,
    )
    if pending is None:
        return None
    anchor = pending.anchor
    anchor.document_cid = store.put(batch_document(pending.events))
    anchor.deadline = deadline
    message = event_batch(session, anchor)
    anchor.chain_batch_id = "0x" + batch_id(message, target.chain_id, target.registry).hex()
    session.add(anchor)
    session.flush()
    return anchor


def submit_signed(
    session: Session, anchor: AnchorBatch, signature: bytes, *, target: AnchorTarget, enqueue: Enqueue, now: int
) -> None:
    """Step 2: check the actor's signature over the built batch and queue ``anchorEvents`` from the relayer.

    Raises `AnchorNotOpen` (not built, or past its deadline) and `InvalidAnchorSignature`.
    """
    if anchor.status != AnchorStatus.BUILT:
        raise AnchorNotOpen([f"batch {anchor.id} is {anchor.status}, not waiting for a signature"])
    if anchor.deadline is None or anchor.deadline < now:
        raise AnchorNotOpen([f"batch {anchor.id} expired at {anchor.deadline}; its events will be batched again"])
    message = event_batch(session, anchor)
    try:
        recovered = Account.recover_message(signable(message, target.chain_id, target.registry), signature=signature)
    except (ValueError, TypeError) as exc:
        raise InvalidAnchorSignature([f"the signature cannot be read: {exc}"]) from None
    if recovered != to_checksum_address(message.actor):
        raise InvalidAnchorSignature([f"signed by {recovered}, not by the batch's actor {message.actor}"])
    if not move_anchor(session, anchor, AnchorStatus.BUILT, AnchorStatus.SUBMITTED, signature="0x" + signature.hex()):
        raise AnchorNotOpen([f"batch {anchor.id} was submitted meanwhile"])
    enqueue(
        session,
        sender=target.relayer,
        to=target.registry,
        data=anchor_events_call(message, signature),
        kind=f"{REGISTRY}.anchorEvents",
        reference=anchor_reference(anchor.id),
    )
    session.flush()


def anchor_reference(anchor_id: uuid.UUID) -> str:
    return f"anchor:{anchor_id}"


def awaiting_signature(session: Session, actor_id: uuid.UUID, now: int, limit: int = 100) -> list[AnchorBatch]:
    """An actor's built batches that it may still sign, oldest first."""
    return list(
        session.exec(
            select(AnchorBatch)
            .where(
                AnchorBatch.actor_id == actor_id,
                AnchorBatch.status == AnchorStatus.BUILT,
                AnchorBatch.deadline >= now,
            )
            .order_by(AnchorBatch.created_at)
            .limit(limit)
        )
    )


@dataclass
class AnchorPass:
    built: int = 0
    submitted: int = 0
    anchored: int = 0
    released: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.built + self.submitted + self.anchored + self.released


def _outcomes(session: Session, anchors: list[AnchorBatch]) -> dict[str, OutboxTransaction]:
    """The outbox row of each submitted batch, by reference (a mined row wins over any other)."""
    references = [anchor_reference(anchor.id) for anchor in anchors]
    rows: dict[str, OutboxTransaction] = {}
    for start in range(0, len(references), _SETTLE_CHUNK):
        chunk = references[start:start + _SETTLE_CHUNK]
        for row in session.exec(select(OutboxTransaction).where(col(OutboxTransaction.reference).in_(chunk))):
            kept = rows.get(row.reference)
            if kept is None or kept.status != OutboxStatus.MINED:
                rows[row.reference] = row
    return rows


class Anchorer:
    """One anchoring pass over the database of `settings`; the Celery task and the demo use it."""

    def __init__(
        self,
        settings: Settings,
        *,
        target: AnchorTarget | None = None,
        store: ContentStore | None = None,
        chain_time: Callable[[], int] | None = None,
        master: MasterKey | None = None,
        enqueue: Enqueue = outbox_enqueue,
    ):
        self.settings = settings
        self.target = target or AnchorTarget.from_settings(settings)
        self.store = store or content_store_from_url(settings.content_store_url)
        self.engine = engine_for(settings.database_url)
        self._rpc: JsonRpc | None = None
        self._chain_time = chain_time or self._head_timestamp
        self._master = master
        self._enqueue = enqueue

    def _head_timestamp(self) -> int:
        # Chain time, not the clock: the contract checks the deadline against block.timestamp.
        if self._rpc is None:
            self._rpc = JsonRpc(self.settings.rpc_url)
        return int(self._rpc.call("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)

    def close(self) -> None:
        if self._rpc is not None:
            self._rpc.close()

    def run_once(self) -> AnchorPass:
        result = AnchorPass()
        try:
            now = self._chain_time()
        except (RpcTransportError, RpcError) as exc:
            log.warning("anchoring: chain time unavailable: %s", exc)
            result.problems.append(f"chain time unavailable: {exc}")
            return result
        self._settle(now, result)
        self._build_all(now, result)
        self._sign_custodial(now, result)
        return result

    def _build_all(self, now: int, result: AnchorPass) -> None:
        with Session(self.engine) as session:
            pairs = pending_pairs(session)
        for actor_id, brand_id in pairs:
            with Session(self.engine) as session:
                actor, brand = session.get(Participant, actor_id), session.get(Participant, brand_id)
                if actor.chain_address is None or brand.chain_address is None:
                    result.problems.append(f"actor {actor_id} or brand {brand_id} has no chain address yet")
                    continue
                if not actor_serves(session, brand_id=brand_id, actor_id=actor_id):
                    # The registry would refuse the anchor; its events wait until the brand authorises again.
                    result.problems.append(f"actor {actor_id} no longer serves brand {brand_id}")
                    continue
                try:
                    while build_batch(
                        session, actor=actor, brand=brand, store=self.store, target=self.target,
                        deadline=now + ANCHOR_TTL_SECONDS,
                    ) is not None:
                        session.commit()
                        result.built += 1
                except (BatchRaced, ContentStoreError) as exc:
                    session.rollback()
                    log.warning("anchoring %s for %s: %s", actor_id, brand_id, exc)
                    result.problems.append(str(exc))

    def _sign_custodial(self, now: int, result: AnchorPass) -> None:
        with Session(self.engine) as session:
            waiting = session.exec(
                select(AnchorBatch.id)
                .join(Participant, Participant.id == AnchorBatch.actor_id)
                .where(
                    AnchorBatch.status == AnchorStatus.BUILT,
                    AnchorBatch.deadline >= now,
                    Participant.custody_mode == CustodyMode.CUSTODIAL,
                )
                .order_by(AnchorBatch.created_at)
            ).all()
        for anchor_id in waiting:
            with Session(self.engine) as session:
                anchor = session.get(AnchorBatch, anchor_id)
                message = event_batch(session, anchor)
                try:
                    account = signer_for(session, message.actor, settings=self.settings, master=self._master)
                    signature = sign_event_batch(message, account.key, self.target.chain_id, self.target.registry)
                    submit_signed(session, anchor, signature, target=self.target, enqueue=self._enqueue, now=now)
                except (KeyCustodyError, AnchorNotOpen) as exc:
                    # Left built: the actor may still sign it through the API, or it expires and is rebuilt.
                    session.rollback()
                    log.warning("anchoring: batch %s not signed: %s", anchor_id, exc)
                    result.problems.append(f"batch {anchor_id} not signed: {exc}")
                    continue
                session.commit()
                result.submitted += 1

    def _settle(self, now: int, result: AnchorPass) -> None:
        with Session(self.engine) as session:
            expired = session.exec(
                select(AnchorBatch).where(AnchorBatch.status == AnchorStatus.BUILT, AnchorBatch.deadline < now)
            ).all()
            for anchor in expired:
                if release_failed(session, anchor):
                    log.info("anchoring: batch %s expired unsigned; its events are pending again", anchor.id)
                    result.released += 1
            session.commit()
            submitted = list(session.exec(select(AnchorBatch).where(AnchorBatch.status == AnchorStatus.SUBMITTED)))
            rows = _outcomes(session, submitted)
            for anchor in submitted:
                row = rows.get(anchor_reference(anchor.id))
                if row is None or row.status not in FINAL:
                    continue
                if row.status == OutboxStatus.MINED:
                    mined_at = row.finished_at or datetime.now(UTC)
                    if move_anchor(session, anchor, AnchorStatus.SUBMITTED, AnchorStatus.ANCHORED,
                                   anchored_block=row.block_number, anchored_at=mined_at):
                        result.anchored += 1
                elif release_failed(session, anchor):
                    log.warning("anchoring: batch %s %s: %s; its events are pending again", anchor.id, row.status, row.error)
                    result.released += 1
            session.commit()
