"""The bulk write of checked events (backend/provenance/event_store.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import orjson
import pytest
from sqlmodel import Session, select

from backend.core.db import engine_for
from backend.provenance import event_store
from backend.provenance.event_hash import CURRENT_ALGORITHM, event_hash
from backend.provenance.models import EpcisEvent, EpcisEventEpc, EpcisEventItem, ProductItem
from backend.provenance.service import EventsRejected, register_product, register_serials, store_events
from tests.provenance.conftest import add_parties
from tests.provenance.test_service import event, validated


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request):
    return request.getfixturevalue("database_url" if request.param == "sqlite" else "postgres_url")


@pytest.fixture
def world(url):
    with Session(engine_for(url)) as session:
        parties = add_parties(session)
        product = register_product(session, brand_id=parties.brand, gtin="9506000134352", name="Chronograph 42")
        register_serials(session, product=product, serials=["A1", "A2", "A3"])
        session.commit()
        yield session, parties


def test_events_links_and_identifiers_are_stored_in_order_in_the_callers_transaction(world):
    session, parties = world
    events = validated(event("A2", "commissioning", disposition="active"), event("A1", minutes=3),
                       event("A3", minutes=4))
    ids = store_events(session, actor_id=parties.factory, brand_id=parties.brand, events=events)
    assert len(ids) == 3 and len(set(ids)) == 3
    session.rollback()  # nothing written outside the session's transaction
    assert session.exec(select(EpcisEvent)).all() == []
    assert session.exec(select(EpcisEventItem)).all() == [] and session.exec(select(EpcisEventEpc)).all() == []

    ids = store_events(session, actor_id=parties.factory, brand_id=parties.brand, events=events)
    session.commit()
    rows = {row.id: row for row in session.exec(select(EpcisEvent))}
    items = dict(session.exec(select(ProductItem.serial, ProductItem.id)).all())
    for event_id, validated_event, serial in zip(ids, events, ["A2", "A1", "A3"]):
        row = rows[event_id]
        assert row.event_hash == event_hash(validated_event.event, validated_event.namespaces)
        assert row.hash_algorithm == CURRENT_ALGORITHM and row.anchor_batch_id is None
        assert (row.actor_id, row.brand_id, row.event_type, row.action) == (parties.factory, parties.brand, "ObjectEvent", "OBSERVE")
        assert (row.biz_step, row.disposition) == (validated_event.biz_step, validated_event.disposition)
        assert row.event_time == validated_event.event_time and row.time_zone_offset == "+01:00"
        assert row.read_point == "urn:epc:id:sgln:9506000.00010.1"
        assert orjson.loads(row.document) == {"event": validated_event.event, "namespaces": {}}
        links = session.exec(select(EpcisEventItem.item_id).where(EpcisEventItem.event_id == event_id)).all()
        assert links == [items[serial]]
    epcs = session.exec(select(EpcisEventEpc.epc, EpcisEventEpc.role).where(EpcisEventEpc.event_id == ids[2])).all()
    assert epcs == [("https://id.gs1.org/01/09506000134352/21/A3", "epc")]
    with pytest.raises(EventsRejected, match="event 0: already recorded as"):
        store_events(session, actor_id=parties.factory, brand_id=parties.brand, events=events[:1])


def test_an_event_stored_meanwhile_by_another_request_is_named_and_the_transaction_goes_on(postgres_url):
    with Session(engine_for(postgres_url)) as session, Session(engine_for(postgres_url)) as other:
        parties = add_parties(session)
        product = register_product(session, brand_id=parties.brand, gtin="9506000134352", name="Chronograph 42")
        register_serials(session, product=product, serials=["A1", "A2"])
        session.commit()
        first, second = validated(event("A1"), event("A2", minutes=1))
        store_events(other, actor_id=parties.factory, brand_id=parties.brand, events=[first])
        other.commit()
        item = session.exec(select(ProductItem.id).where(ProductItem.serial == "A1")).one()
        taken = event_hash(first.event, first.namespaces)
        row = (taken, CURRENT_ALGORITHM, parties.factory, parties.brand, "ObjectEvent", "shipping", None,
               first.event_time, "+01:00", "", None, "OBSERVE", None, "{}", first.event_time)
        with pytest.raises(event_store.DuplicateEvents) as raised:  # past the check, as in a race
            event_store.store(session, event_store.EventRows(events=[row], items=[[item]], epcs=[[]]))
        assert raised.value.hashes == [taken]
        store_events(session, actor_id=parties.factory, brand_id=parties.brand, events=[second])
        session.commit()
        assert len(session.exec(select(EpcisEvent)).all()) == 2
