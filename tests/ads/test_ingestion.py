from __future__ import annotations

import pytest
from sqlalchemy import text

from backend.ads.ingest_store import BatchRecord, BodyAlreadyAccepted, store_batch
from backend.ads.replay import body_digest
from tests.ads.factories import (
    BOT_AGENT,
    EPOCH_SECONDS,
    NOW,
    OTHER_PUBLISHER,
    PUBLISHER,
    body,
    click,
    conversion,
    impression,
    ingest,
    ingestor,
)


def rows(engine, where: str = "1 = 1") -> list[dict]:
    with engine.connect() as connection:
        result = connection.execute(text(f"SELECT * FROM ad_events WHERE {where} ORDER BY id"))
        return [dict(r) for r in result.mappings()]


def batches(engine) -> list[dict]:
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(text("SELECT * FROM ad_batches ORDER BY id")).mappings()]


def test_a_batch_is_stored_with_statuses_reasons_and_epochs_and_reported(engine):
    events = [
        impression("i1"),
        click("c1", "i1", "k1"),
        conversion("v1", "k1"),
        impression("bot", user_agent=BOT_AGENT),
        impression("i1"),
        {"event_id": "broken", "campaign_id": "1", "kind": "impression", "timestamp": NOW},
    ]
    report = ingest(engine, events, received_at=NOW + 7)
    assert report.accepted == ("i1", "c1", "v1")
    assert report.filtered == {"bot": "bot_user_agent"}
    assert report.duplicates == ("i1",)
    assert [(r.index, r.event_id) for r in report.rejected] == [(5, "broken")]
    stored = rows(engine)
    assert [(r["client_event_id"], r["status"], r["reason"]) for r in stored] == [
        ("i1", "accepted", None),
        ("c1", "accepted", None),
        ("v1", "accepted", None),
        ("bot", "filtered", "bot_user_agent"),
    ]
    assert {r["epoch"] for r in stored} == {(NOW + 7) // EPOCH_SECONDS}
    assert {r["received_at"] for r in stored} == {NOW + 7}
    assert all(r["batch_id"] == report.batch_id and r["price"] is None for r in stored)
    assert stored[2]["click_at"] == stored[1]["occurred_at"]
    (batch,) = batches(engine)
    assert (batch["event_count"], batch["accepted_count"], batch["filtered_count"]) == (6, 3, 1)
    assert (batch["duplicate_count"], batch["rejected_count"]) == (1, 1)
    assert bytes(batch["body_sha256"]) == body_digest(body(events))


def test_duplicates_across_batches_are_reported_and_not_stored_twice(engine):
    ingest(engine, [impression("i1"), impression("i2")])
    report = ingest(engine, [impression("i2"), impression("i3"), impression("i3")], received_at=NOW + 1)
    assert report.accepted == ("i3",) and report.duplicates == ("i2", "i3")
    assert [r["client_event_id"] for r in rows(engine)] == ["i1", "i2", "i3"]


def test_event_ids_are_scoped_to_their_publisher(engine):
    ingest(engine, [impression("i1")])
    report = ingest(engine, [impression("i1")], publisher=OTHER_PUBLISHER)
    assert report.accepted == ("i1",) and report.duplicates == ()


def test_a_duplicate_stored_by_a_concurrent_batch_is_found_by_the_insert(engine):
    ingest(engine, [impression("i1")])
    (stored,) = rows(engine)
    row = tuple(stored[column] for column in (
        "publisher", "client_event_id", "campaign_id", "kind", "occurred_at", "received_at", "epoch",
        "impression_id", "click_id", "click_at", "ip_hash", "device_hash", "event_hash", "status", "reason",
    ))  # fmt: skip
    fresh = (row[0], "i2", *row[2:])
    with engine.begin() as connection:
        result = store_batch(connection, BatchRecord(PUBLISHER, b"\x01" * 32, NOW, 2, 0, 0), [row, fresh])
    assert result.duplicates == {"i1"}
    assert [r["client_event_id"] for r in rows(engine)] == ["i1", "i2"]
    assert (batches(engine)[-1]["accepted_count"], batches(engine)[-1]["duplicate_count"]) == (1, 1)


def test_a_body_already_accepted_is_refused_and_nothing_of_it_is_stored(engine):
    events = [impression("i1")]
    ingest(engine, events)
    with pytest.raises(BodyAlreadyAccepted):
        ingest(engine, events, received_at=NOW + 60)
    assert len(rows(engine)) == 1 and len(batches(engine)) == 1
    # The same bytes from another publisher are another batch.
    assert ingest(engine, events, publisher=OTHER_PUBLISHER).accepted == ("i1",)


def test_attribution_reaches_across_batches_through_the_stored_events(engine):
    shared = ingestor()
    ingest(engine, [impression("i1"), impression("bot", user_agent=BOT_AGENT)], using=shared)
    clicks = ingest(engine, [click("c1", "i1", "k1"), click("c2", "bot", "k2")], received_at=NOW + 30, using=shared)
    assert clicks.accepted == ("c1",) and clicks.filtered == {"c2": "click_without_impression"}
    converted = ingest(
        engine, [conversion("v1", "k1"), conversion("v2", "k2")], received_at=NOW + 60, using=shared
    )
    assert converted.accepted == ("v1",) and converted.filtered == {"v2": "conversion_without_click"}
    (v1,) = rows(engine, "client_event_id = 'v1'")
    assert v1["click_at"] == NOW - 60 and v1["epoch"] == (NOW + 60) // EPOCH_SECONDS


def test_clicks_of_another_publisher_do_not_attribute_conversions(engine):
    ingest(engine, [impression("i1"), click("c1", "i1", "k1")], publisher=OTHER_PUBLISHER)
    assert ingest(engine, [conversion("v1", "k1")]).filtered == {"v1": "conversion_without_click"}


def test_a_batch_of_10000_events_is_stored_in_one_transaction(engine):
    events = [impression(f"e{n}", ip=f"81.2.{n // 250}.{n % 250}", device_id=f"d{n}") for n in range(10_000)]
    report = ingest(engine, events)
    assert len(report.accepted) == 10_000
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM ad_events WHERE status = 'accepted'")).scalar() == 10_000
    again = ingest(engine, events[:5_000] + [impression("new")], received_at=NOW + 1)
    assert len(again.duplicates) == 5_000 and again.accepted == ("new",)


def test_the_publisher_is_stored_checksummed_whatever_its_case(engine):
    ingest(engine, [impression("i1")], publisher=PUBLISHER.lower())
    shouted = PUBLISHER.upper().replace("0X", "0x")
    assert ingest(engine, [impression("i1"), impression("i2")], publisher=shouted).duplicates == ("i1",)
    assert {r["publisher"] for r in rows(engine)} == {PUBLISHER}
