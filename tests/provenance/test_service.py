from datetime import datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import literal
from sqlalchemy import func
from sqlmodel import Session, select

from backend.core.db import engine_for
from backend.db.base import metadata
from backend.provenance.anchor_signature import event_leaf
from backend.provenance.epcis import parse_events
from backend.provenance.event_hash import hash_digest
from backend.provenance.gtin import InvalidGtin
from backend.provenance.models import AnchorStatus, EpcisEvent, ProductItem, ProductScan
from backend.core import db_pipeline
from backend.provenance.mirror_facts import MirrorChainFacts
from backend.provenance.page import RecordedChainFacts, build_page, record_scan_and_build_page
from backend.provenance.scan_signals import Scan, client_key
from backend.provenance.serials import InvalidSerial, SerialRange, serial_leaf, serials_tree, verify_serial
from backend.provenance.service import (
    ClaimRejected,
    DuplicateSerials,
    EventsRejected,
    ProductConflict,
    ScanRecord,
    build_pending_batch,
    check_tag,
    claim_product,
    event_proof,
    mark_anchored,
    record_events,
    record_scan,
    register_product,
    register_serials,
    register_tag,
    release_failed,
    with_own_scan,
)
from backend.provenance.sun import SunReading
from backend.provenance.verdict import Verdict
from backend.proofs.merkle import verify_proof
from indexer.database import make_engine
from indexer.database import migrate as migrate_mirror
from tests.provenance.conftest import add_parties

GTIN = "09506000134352"
PEPPER = b"pepper-for-tests-32-bytes-long!!"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
PROVENANCE_TABLES = {
    "product", "serial_batch", "product_item", "anchor_batch", "epcis_event", "epcis_event_item", "product_scan",
    "brand_actor", "sun_tag",
}


def event(serial, step="shipping", minutes=0, disposition=None, **extra):
    body = {
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "bizStep": step,
        "epcList": [f"urn:epc:id:sgtin:9506000.013435.{serial}"],
        "eventTime": (datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc) + timedelta(minutes=minutes)).isoformat(),
        "eventTimeZoneOffset": "+01:00",
        "readPoint": {"id": "urn:epc:id:sgln:9506000.00010.1"},
        **extra,
    }
    if disposition:
        body["disposition"] = disposition
    return body


def validated(*events):
    return parse_events({"epcisBody": {"eventList": list(events)}}, NOW)


@pytest.fixture
def registered(session, parties):
    product = register_product(session, brand_id=parties.brand, gtin="9506000134352", name="Chronograph 42")
    batch = register_serials(session, product=product, serials=["A1", "A2"], ranges=[SerialRange(1, 3, 3, "B")],
                             claim_pepper=PEPPER)
    session.commit()
    return product, batch


def _diff_of_provenance_tables(url):
    with engine_for(url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    def table_of(entry):
        item = entry[0] if isinstance(entry, list) else entry
        obj = item[1] if len(item) > 1 else None
        return getattr(obj, "name", None) if item[0].endswith("table") else getattr(getattr(obj, "table", None), "name", None)
    return [entry for entry in diff if table_of(entry) in PROVENANCE_TABLES]


def test_migration_matches_the_models(database_url):
    assert _diff_of_provenance_tables(database_url) == []


def test_register_product_gtin_rules(session, parties):
    product = register_product(session, brand_id=parties.brand, gtin="9506000134352", name="Chronograph 42")
    assert product.gtin == GTIN
    with pytest.raises(InvalidGtin, match="expected 2"):
        register_product(session, brand_id=parties.brand, gtin="9506000134353", name="x")
    with pytest.raises(ProductConflict, match="by another brand"):
        register_product(session, brand_id=parties.other_brand, gtin=GTIN, name="clone")
    with pytest.raises(ProductConflict, match="by this brand"):
        register_product(session, brand_id=parties.brand, gtin="09506000134352", name="again")


def test_serials_root_proves_membership_and_duplicates_are_refused(session, registered):
    product, result = registered
    assert result.serials == ["A1", "A2", "B001", "B002", "B003"]
    assert result.batch.serial_count == 5 and len(result.claim_codes) == 5
    root = bytes.fromhex(result.batch.serials_root[2:])
    tree = serials_tree(GTIN, result.serials)
    assert tree.root == root and verify_serial(root, GTIN, "B002", tree.proof(serial_leaf(GTIN, "B002")))
    stored = session.exec(select(ProductItem).where(ProductItem.serial == "A1")).one()
    assert stored.claim_code_hash and result.claim_codes["A1"].replace("-", "") not in stored.claim_code_hash
    with pytest.raises(DuplicateSerials, match="2 serials of GTIN 09506000134352 are already registered: A2, B001"):
        register_serials(session, product=product, serials=["A2", "C9", "B001"])
    with pytest.raises(InvalidSerial, match="duplicate serials: C1"):
        register_serials(session, product=product, serials=["C1", "C1"])


def test_events_are_recorded_with_their_hash_and_bad_ones_refused_with_all_reasons(session, parties, registered):
    rows = record_events(session, actor_id=parties.factory, brand_id=parties.brand,
                         events=validated(event("A1", "commissioning", disposition="active"), event("A2", "commissioning")))
    assert [row.biz_step for row in rows] == ["commissioning", "commissioning"]
    assert all(row.event_hash.startswith("ni:///sha-256;") and row.anchor_batch_id is None for row in rows)
    with pytest.raises(EventsRejected) as excinfo:
        record_events(session, actor_id=parties.factory, brand_id=parties.brand, events=validated(
            event("A1", "commissioning", disposition="active"),  # already recorded
            event("Z9"),  # unknown serial
            event("B001", minutes=5),
            event("B001", minutes=5),  # the same event twice
        ))
    assert excinfo.value.reasons == [
        "event 3: the same event as event 2",
        f"event 0: already recorded as {rows[0].event_hash}",
        "event 1: serial Z9 of GTIN 09506000134352 is not registered",
    ]
    with pytest.raises(EventsRejected, match="is not a product of this brand"):
        record_events(session, actor_id=parties.carrier, brand_id=parties.other_brand, events=validated(event("A1", minutes=9)))


def test_pending_batches_prove_every_event_and_failed_ones_are_rebuilt(session, parties, registered):
    rows = record_events(session, actor_id=parties.carrier, brand_id=parties.brand,
                         events=validated(*(event(serial, minutes=n) for n, serial in enumerate(["A1", "A2", "B001"]))))
    record_events(session, actor_id=parties.factory, brand_id=parties.brand, events=validated(event("B002", "commissioning")))
    pending = build_pending_batch(session, actor_id=parties.carrier, brand_id=parties.brand, nonce=1)
    assert pending.anchor.event_count == 3 and pending.anchor.status is AnchorStatus.BUILT
    root = pending.tree.root
    for digest in pending.event_hashes:
        assert verify_proof(pending.proof(digest), root, event_leaf(digest))
    assert build_pending_batch(session, actor_id=parties.carrier, brand_id=parties.brand, nonce=2) is None
    anchor, proof = event_proof(session, rows[1])
    assert anchor.id == pending.anchor.id
    assert verify_proof(proof, root, event_leaf(hash_digest(rows[1].event_hash)))
    release_failed(session, pending.anchor)
    again = build_pending_batch(session, actor_id=parties.carrier, brand_id=parties.brand, nonce=3)
    assert again.anchor.id != pending.anchor.id and again.tree.root == root
    mark_anchored(session, again.anchor, chain_batch_id=b"\x11" * 32, block=42, at=NOW)
    assert again.anchor.status is AnchorStatus.ANCHORED and again.anchor.anchored_block == 42


def test_claim_codes_work_once_for_their_own_item(session, registered):
    _, result = registered
    code = result.claim_codes["A1"]
    with pytest.raises(ClaimRejected, match="not right for this product"):
        claim_product(session, gtin=GTIN, serial="A1", code=result.claim_codes["A2"], pepper=PEPPER, at=NOW)
    with pytest.raises(ClaimRejected, match="12 letters and digits"):
        claim_product(session, gtin=GTIN, serial="A1", code="123", pepper=PEPPER, at=NOW)
    assert claim_product(session, gtin=GTIN, serial="A1", code=code.lower(), pepper=PEPPER, at=NOW) == NOW
    with pytest.raises(ClaimRejected, match="already claimed on 1 June 2026"):
        claim_product(session, gtin=GTIN, serial="A1", code=code, pepper=PEPPER, at=NOW + timedelta(days=1))
    with pytest.raises(ClaimRejected, match="no claim code"):
        claim_product(session, gtin=GTIN, serial="NOPE", code=code, pepper=PEPPER, at=NOW)


def _anchor_all(session, parties, block):
    for actor in (parties.factory, parties.carrier):
        pending = build_pending_batch(session, actor_id=actor, brand_id=parties.brand, nonce=block)
        if pending:
            mark_anchored(session, pending.anchor, chain_batch_id=bytes([block % 256, actor.bytes[0]]) * 16, block=block, at=NOW)


def test_page_verdicts_from_the_database(session, parties, registered):
    page = build_page(session, gtin=GTIN, serial="ZZZ", now=NOW)
    assert page.verdict is Verdict.UNVERIFIED and page.product_name == "Chronograph 42" and page.brand_name is None
    page = build_page(session, gtin=GTIN, serial="A1", now=NOW)
    assert page.verdict is Verdict.UNVERIFIED and page.timeline == [] and page.brand_name == "Acme Watches"

    record_events(session, actor_id=parties.factory, brand_id=parties.brand, events=validated(
        event("A1", "commissioning", disposition="active"),
        event("A1", "inspecting", minutes=30, disposition="conformant"),
    ))
    _anchor_all(session, parties, 7)
    record_events(session, actor_id=parties.carrier, brand_id=parties.brand, events=validated(event("A1", minutes=60)))
    page = build_page(session, gtin=GTIN, serial="A1", now=NOW)
    assert page.verdict is Verdict.GENUINE and "2 of its 3 events are confirmed" in page.reason
    assert [(e.title, e.outcome, e.anchored_block) for e in page.timeline] == [
        ("Made", None, 7), ("Quality check", "passed", 7), ("Shipped", None, None)
    ]
    assert page.timeline[0].when == "1 March 2026, 09:00 (UTC+01:00)"
    assert page.timeline[0].place == "site 9506000000107, point 1"
    assert page.timeline[2].actor == "Swift Logistics"

    for minutes, client, country in [(0, "a", "DE"), (1, "a", "DE"), (2, "bot", "JP"), (60, "b", "DE")]:
        record_scan(session, ScanRecord(GTIN, "A1", client, country, link_preview=client == "bot",
                                        at=NOW - timedelta(hours=3) + timedelta(minutes=minutes)))
    assert build_page(session, gtin=GTIN, serial="A1", now=NOW).verdict is Verdict.GENUINE
    record_scan(session, ScanRecord(GTIN, "A1", "c", "JP", link_preview=False, at=NOW - timedelta(hours=1)))
    page = build_page(session, gtin=GTIN, serial="A1", now=NOW)
    assert page.verdict is Verdict.SUSPICIOUS and "in Germany and in Japan" in page.reason


def test_recall_and_double_sale_make_a_product_suspicious(session, parties, registered):
    record_events(session, actor_id=parties.factory, brand_id=parties.brand, events=validated(
        event("A2", "commissioning"), event("A2", "retail_selling", minutes=5, disposition="retail_sold"),
        event("B001", "commissioning"), event("B003", "commissioning"),
    ))
    record_events(session, actor_id=parties.carrier, brand_id=parties.brand, events=validated(
        event("A2", "retail_selling", minutes=50, disposition="retail_sold"),
        event("B001", "holding", minutes=9, disposition="recalled"),
    ))
    _anchor_all(session, parties, 9)
    assert "sold in a shop 2 times" in build_page(session, gtin=GTIN, serial="A2", now=NOW).reason
    assert build_page(session, gtin=GTIN, serial="B001", now=NOW).verdict is Verdict.SUSPICIOUS

    class RecallMirror(RecordedChainFacts):
        def recalled(self, gtin_number, serials_root):
            return literal(True)

    page = build_page(session, gtin=GTIN, serial="B003", now=NOW, chain=RecallMirror())
    assert page.verdict is Verdict.SUSPICIOUS and "recalled" in page.reason
    assert build_page(session, gtin=GTIN, serial="B003", now=NOW).verdict is Verdict.GENUINE


def test_a_claim_shows_on_later_pages(session, parties, registered):
    _, result = registered
    record_events(session, actor_id=parties.factory, brand_id=parties.brand, events=validated(event("B002", "commissioning")))
    _anchor_all(session, parties, 3)
    claim_product(session, gtin=GTIN, serial="B002", code=result.claim_codes["B002"], pepper=PEPPER, at=NOW)
    page = build_page(session, gtin=GTIN, serial="B002", now=NOW + timedelta(days=2))
    assert page.verdict is Verdict.GENUINE and page.claim_note == "Claimed by its buyer on 1 June 2026."


def test_tag_counters_must_increase_and_tags_stay_with_their_item(session, registered):
    uid = bytes.fromhex("04AABBCCDDEE80")
    register_tag(session, uid=uid, gtin14=GTIN, serial="A1")
    first = check_tag(session, gtin14=GTIN, serial="A1", reading=SunReading(uid, 5))
    assert (first.forged, first.replayed) == (False, False)
    assert check_tag(session, gtin14=GTIN, serial="A1", reading=SunReading(uid, 5)).replayed
    assert check_tag(session, gtin14=GTIN, serial="A1", reading=SunReading(uid, 4)).replayed
    assert not check_tag(session, gtin14=GTIN, serial="A1", reading=SunReading(uid, 6)).replayed
    assert check_tag(session, gtin14=GTIN, serial="A2", reading=SunReading(uid, 7)).forged  # moved to another item
    assert check_tag(session, gtin14=GTIN, serial="A1", reading=SunReading(bytes(7), 1)).forged  # unknown tag


def test_a_pages_own_scan_goes_in_among_the_earlier_ones_by_time():
    def scan_at(minutes):
        return Scan(NOW + timedelta(minutes=minutes), f"c{minutes}", "DE", False)

    own = ScanRecord(GTIN, "A1", "me", "JP", link_preview=True, at=NOW + timedelta(minutes=10))
    mine = Scan(own.at, "me", "JP", True)
    assert with_own_scan(own, []) == [mine]
    assert with_own_scan(own, [scan_at(5), scan_at(0)]) == [mine, scan_at(5), scan_at(0)]
    assert with_own_scan(own, [scan_at(20), scan_at(10), scan_at(0)]) == [scan_at(20), mine, scan_at(10), scan_at(0)]
    assert with_own_scan(own, [scan_at(30), scan_at(20)]) == [scan_at(30), scan_at(20), mine]


@pytest.mark.postgres
def test_the_flow_on_postgresql(postgres_url):
    assert _diff_of_provenance_tables(postgres_url) == []
    with Session(engine_for(postgres_url)) as session:
        parties = add_parties(session)
        product = register_product(session, brand_id=parties.brand, gtin=GTIN, name="Chronograph 42")
        register_serials(session, product=product, ranges=[SerialRange(1, 2000, 5)])
        record_events(session, actor_id=parties.factory, brand_id=parties.brand,
                      events=validated(event("00007", "commissioning")))
        _anchor_all(session, parties, 11)
        record_scan(session, ScanRecord(GTIN, "00007", client_key(b"k", "192.0.2.1", "x"), "DE",
                                        link_preview=False, at=NOW))
        session.commit()
        page = build_page(session, gtin=GTIN, serial="00007", now=NOW)
        assert page.verdict is Verdict.GENUINE and page.timeline[0].anchored_block == 11
        assert session.exec(select(EpcisEvent)).one().id == 1


@pytest.mark.postgres
def test_the_one_round_trip_page_on_postgresql_is_the_session_page(postgres_url):
    """On PostgreSQL a plain scan's page is one pipelined round trip (`db_pipeline`); it must
    record the scan, read it back and give the page the Session path gives, case by case."""
    mirror = make_engine(postgres_url)
    migrate_mirror(mirror)
    mirror.dispose()
    engine = engine_for(postgres_url, durable_commits=False)
    assert db_pipeline.pipelines(engine)
    with Session(engine) as session:
        parties = add_parties(session)
        product = register_product(session, brand_id=parties.brand, gtin=GTIN, name="Chronograph 42")
        codes = register_serials(session, product=product, serials=["A1", "A2", "A3"], claim_pepper=PEPPER).claim_codes
        record_events(session, actor_id=parties.factory, brand_id=parties.brand, events=validated(
            event("A1", "commissioning"), event("A1", "inspecting", minutes=30, disposition="conformant"),
            event("A2", "commissioning"),
        ))
        _anchor_all(session, parties, 7)
        record_events(session, actor_id=parties.carrier, brand_id=parties.brand, events=validated(event("A1", minutes=60)))
        claim_product(session, gtin=GTIN, serial="A2", code=codes["A2"], pepper=PEPPER, at=NOW - timedelta(days=1))
        session.commit()

    def both(serial, client, country, minutes, gtin=GTIN, chain=None):
        scan = ScanRecord(gtin, serial, client, country, link_preview=False, at=NOW + timedelta(minutes=minutes))
        piped = record_scan_and_build_page(engine, scan, chain=chain)
        with Session(engine) as session:  # the Session path's reads, which see the scan just recorded
            expected = build_page(session, gtin=gtin, serial=serial, now=scan.at, chain=chain)
        assert piped == expected
        return piped

    first = both("A1", "phone-a", "DE", 0)
    assert first.verdict is Verdict.GENUINE and "2 of its 3 events are confirmed" in first.reason
    assert [(e.title, e.anchored_block, e.actor) for e in first.timeline] == [
        ("Made", 7, "Acme Factory Geneva"), ("Quality check", 7, "Acme Factory Geneva"), ("Shipped", None, "Swift Logistics")
    ]
    assert first.timeline[0].when == "1 March 2026, 09:00 (UTC+01:00)"
    # The page counts its own scan: a second phone in Japan 20 minutes after one in Germany.
    second = both("A1", "phone-b", "JP", 20)
    assert second.verdict is Verdict.SUSPICIOUS and "in Germany and in Japan" in second.reason
    assert both("A2", "phone-c", "DE", 0).claim_note == "Claimed by its buyer on 31 May 2026."
    assert both("A3", "phone-c", "DE", 0).timeline == []  # registered, no events yet
    unknown_serial = both("NOPE", "phone-c", "DE", 0)
    assert (unknown_serial.verdict, unknown_serial.product_name, unknown_serial.brand_name) == (
        Verdict.UNVERIFIED, "Chronograph 42", None
    )
    assert both("0001", "phone-c", "DE", 0, gtin="09506000134369").product_name is None
    with Session(engine) as session:  # another process, its clock ahead, recorded one later than the next
        record_scan(session, ScanRecord(GTIN, "A3", "phone-d", "FR", link_preview=False, at=NOW + timedelta(minutes=50)))
        session.commit()
    assert both("A3", "phone-e", "DE", 40).timeline == []
    mirrored = both("A1", "phone-a", "DE", 30, chain=MirrorChainFacts.of("0x" + "11" * 20))
    assert [e.anchored_block for e in mirrored.timeline] == [None, None, None]  # nothing mirrored from that contract
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(ProductScan)).one() == 9  # every scan recorded once
