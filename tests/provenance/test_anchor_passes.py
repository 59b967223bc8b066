"""Anchoring passes without a chain: crashes leave nothing half done, unsigned batches expire,
documents fit the content store, and passes running at once never batch an event twice."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta, timezone

import orjson
import pytest
from eth_account import Account
from sqlmodel import Session, select

from backend.chain.outbox import OutboxTransaction
from backend.content import ContentStoreUnavailable, LocalContentStore
from backend.core.config import Settings
from backend.core.db import engine_for
from backend.identity.models import CustodyMode, Participant, ParticipantStatus
from backend.keys import MasterKey, create_custodial_key
from backend.provenance import anchoring
from backend.provenance.anchor_signature import event_leaf
from backend.provenance.anchoring import ANCHOR_TTL_SECONDS, Anchorer, AnchorTarget
from backend.provenance.epcis import parse_events
from backend.provenance.event_hash import event_hash, hash_digest
from backend.provenance.models import AnchorBatch, AnchorStatus, EpcisEvent
from backend.provenance.serials import SerialRange
from backend.provenance.service import authorise_actor, record_events, register_product, register_serials
from backend.proofs.merkle import MerkleTree
from tests.api.support import RecordingOutbox

GTIN = "09506000134352"
CHAIN_NOW = 1_900_000_000
RECORDED = datetime(2026, 5, 1, 8, 0, tzinfo=timezone.utc)
PARSED_AT = RECORDED + timedelta(days=1)
TARGET = AnchorTarget(chain_id=31337, registry="0x" + "11" * 20, relayer=Account.create().address)


class Clock:
    def __init__(self):
        self.now = CHAIN_NOW

    def __call__(self) -> int:
        return self.now


class Setup:
    def __init__(self, database_url: str, tmp_path):
        self.master = MasterKey.generate()
        self.settings = Settings(
            environment="test", database_url=database_url, content_store_url=str(tmp_path / "content"),
            master_key=self.master.to_base64(),
        )
        self.clock = Clock()
        self.outbox = RecordingOutbox()
        with Session(engine_for(database_url)) as session:
            self.brand = self._participant(session, "Acme Watches", custodial=True)
            self.actors = [self._participant(session, f"Actor {n}", custodial=True) for n in range(3)]
            self.own_key = self._participant(session, "Own-Key Carrier", custodial=False)
            for actor in (*self.actors, self.own_key):
                authorise_actor(session, brand_id=self.brand, actor_id=actor, at=RECORDED)
            product = register_product(session, brand_id=self.brand, gtin=GTIN, name="Chronograph 42")
            register_serials(session, product=product, ranges=[SerialRange(1, 400, 4)])
            session.commit()

    def _participant(self, session: Session, name: str, custodial: bool) -> uuid.UUID:
        address = create_custodial_key(session, name, master=self.master) if custodial else Account.create().address
        row = Participant(display_name=name, chain_address=address, status=ParticipantStatus.APPROVED,
                          custody_mode=CustodyMode.CUSTODIAL if custodial else CustodyMode.NON_CUSTODIAL)
        session.add(row)
        session.flush()
        return row.id

    def record(self, actor: uuid.UUID, serials: range, step: str = "shipping") -> None:
        events = [
            {
                "type": "ObjectEvent", "action": "OBSERVE", "bizStep": step,
                "epcList": [f"https://id.gs1.org/01/{GTIN}/21/{serial:04d}"],
                "eventTime": (RECORDED + timedelta(minutes=serial)).isoformat(), "eventTimeZoneOffset": "+02:00",
                "readPoint": {"id": "urn:epc:id:sgln:9506000.00010.1"},
                "example:note": "x" * 200,
            }
            for serial in serials
        ]
        document = {"@context": [{"example": "https://example.com/epcis/"}], "epcisBody": {"eventList": events}}
        with Session(engine_for(self.settings.database_url)) as session:
            record_events(session, actor_id=actor, brand_id=self.brand, events=parse_events(document, PARSED_AT))
            session.commit()

    def anchorer(self, **options) -> Anchorer:
        options.setdefault("enqueue", self.outbox)
        return Anchorer(self.settings, target=TARGET, chain_time=self.clock, master=self.master, **options)

    def anchors(self) -> list[AnchorBatch]:
        with Session(engine_for(self.settings.database_url)) as session:
            return list(session.exec(select(AnchorBatch).order_by(AnchorBatch.nonce)))

    def unanchored(self) -> int:
        with Session(engine_for(self.settings.database_url)) as session:
            return len(session.exec(select(EpcisEvent.id).where(EpcisEvent.anchor_batch_id.is_(None))).all())


@pytest.fixture
def setup(database_url, tmp_path) -> Setup:
    return Setup(database_url, tmp_path)


class BrokenStore(LocalContentStore):
    def put(self, data: bytes) -> str:
        raise ContentStoreUnavailable("the content store is down")


def test_a_crash_while_queuing_leaves_the_built_batch_for_the_next_pass(setup):
    setup.record(setup.actors[0], range(1, 4))

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    with pytest.raises(RuntimeError, match="worker killed"):
        setup.anchorer(enqueue=crash).run_once()
    (anchor,) = setup.anchors()
    assert anchor.status == AnchorStatus.BUILT and anchor.signature is None and anchor.event_count == 3
    assert anchor.deadline == CHAIN_NOW + ANCHOR_TTL_SECONDS and anchor.chain_batch_id.startswith("0x")

    done = setup.anchorer().run_once()
    assert (done.built, done.submitted) == (0, 1)
    (call,) = setup.outbox.calls
    assert call["sender"] == TARGET.relayer and call["reference"] == f"anchor:{anchor.id}"
    assert setup.anchorer().run_once().changed == 0 and len(setup.outbox.calls) == 1


def test_a_content_store_outage_builds_nothing(setup, tmp_path):
    setup.record(setup.actors[0], range(1, 3))
    failed = setup.anchorer(store=BrokenStore(tmp_path / "down")).run_once()
    assert failed.built == 0 and failed.problems == ["the content store is down"]
    assert setup.anchors() == [] and setup.unanchored() == 2
    assert setup.anchorer().run_once().submitted == 1


def test_unsigned_batches_expire_and_their_events_are_batched_again(setup):
    setup.record(setup.own_key, range(1, 3))
    assert (setup.anchorer().run_once().built, len(setup.outbox.calls)) == (1, 0)
    setup.clock.now += ANCHOR_TTL_SECONDS + 1
    expired = setup.anchorer().run_once()
    assert (expired.released, expired.built) == (1, 1)
    first, second = setup.anchors()
    assert (first.status, second.status) == (AnchorStatus.FAILED, AnchorStatus.BUILT)
    assert (first.nonce, second.nonce) == (1, 2) and first.events_root == second.events_root
    assert first.chain_batch_id != second.chain_batch_id, "a new nonce and deadline: a new batch id"


def test_batch_documents_stay_under_the_content_store_limit_and_prove_their_events(setup, monkeypatch):
    monkeypatch.setattr(anchoring, "MAX_DOCUMENT_BYTES", 20_000)
    setup.record(setup.actors[1], range(1, 121))
    result = setup.anchorer().run_once()
    anchors = setup.anchors()
    assert result.built == len(anchors) > 1 and sum(a.event_count for a in anchors) == 120
    store = LocalContentStore(setup.settings.content_store_url)
    for anchor in anchors:
        document = store.get(anchor.document_cid)
        assert len(document) < 20_000 + 1_000
        hashes = [event_hash(e.event, e.namespaces) for e in parse_events(orjson.loads(document), PARSED_AT)]
        assert len(hashes) == anchor.event_count
        assert "0x" + MerkleTree([event_leaf(hash_digest(h)) for h in hashes]).root.hex() == anchor.events_root


@pytest.mark.postgres
def test_passes_running_at_once_batch_every_event_exactly_once(postgres_url, tmp_path):
    setup = Setup(postgres_url, tmp_path)
    for index, actor in enumerate(setup.actors):
        setup.record(actor, range(index * 100 + 1, index * 100 + 101))
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            setup.anchorer().run_once()
        except BaseException as exc:  # noqa: BLE001 -- reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    setup.anchorer().run_once()  # whatever a raced pass rolled back
    anchors = setup.anchors()
    assert setup.unanchored() == 0 and sum(a.event_count for a in anchors) == 300
    assert {a.status for a in anchors} == {AnchorStatus.SUBMITTED}
    references = [call["reference"] for call in setup.outbox.calls]
    assert sorted(references) == sorted(f"anchor:{a.id}" for a in anchors)
    with Session(engine_for(postgres_url)) as session:
        assert session.exec(select(OutboxTransaction)).all() == [], "the recording outbox stood in for it"
