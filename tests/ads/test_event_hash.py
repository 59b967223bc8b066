from __future__ import annotations

import pytest
from eth_utils import keccak
from sqlalchemy import text

from backend.ads.event_hash import RECORD_FIELDS, canonical_record, event_hash, event_hash_of, event_record, record_of_row
from backend.campaigns.kinds import EventKind
from tests.ads.factories import NOW, PUBLISHER, click, impression, ingest

RECORD = event_record(
    campaign_id=7,
    publisher=PUBLISHER,
    event_id="c-1",
    kind="click",
    occurred_at=NOW - 5,
    received_at=NOW,
    impression_id="i-1",
    click_id="k-1",
)


def test_the_canonical_record_is_sorted_compact_json_without_personal_data():
    assert canonical_record(RECORD) == (
        b'{"campaign_id":7,"click_id":"k-1","event_id":"c-1","impression_id":"i-1","kind":"click",'
        b'"occurred_at":1799999995,"publisher":"0x90F79bf6EB2c4f870365E785982E1f101E93b906","received_at":1800000000}'
    )
    assert event_hash(RECORD) == keccak(canonical_record(RECORD))


@pytest.mark.parametrize(
    "fields",
    [
        dict(campaign_id=7, event_id="c-1", kind=EventKind.CLICK, impression_id="i-1", click_id="k-1"),
        dict(campaign_id=2**63 - 1, event_id="i.9:x-y", kind=EventKind.IMPRESSION, impression_id=None, click_id=None),
        dict(campaign_id=1, event_id="v", kind="conversion", impression_id=None, click_id="k~1"),
    ],
)
def test_the_ingest_paths_hash_equals_the_canonical_records(fields):
    times = dict(publisher=PUBLISHER, occurred_at=NOW - 5, received_at=NOW)
    assert event_hash_of(**fields, **times) == event_hash(event_record(**fields, **times))


@pytest.mark.parametrize("field", RECORD_FIELDS)
def test_every_field_changes_the_hash(field):
    changed = dict(RECORD)
    changed[field] = 8 if isinstance(RECORD[field], int) else "other"
    assert event_hash(changed) != event_hash(RECORD)


def test_a_record_with_other_fields_is_refused():
    with pytest.raises(ValueError):
        event_hash(RECORD | {"ip": "81.2.69.160"})
    with pytest.raises(ValueError):
        event_hash({k: v for k, v in RECORD.items() if k != "kind"})


def test_the_stored_event_hash_is_recomputable_from_the_stored_row(engine):
    ingest(engine, [impression("i-1"), click("c-1", "i-1", "k-1")])
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM ad_events ORDER BY id")).mappings().all()
    assert [record_of_row(row)["event_id"] for row in rows] == ["i-1", "c-1"]
    for row in rows:
        assert bytes(row["event_hash"]) == event_hash(record_of_row(row))


def test_the_batch_hashes_equal_event_hash_of():
    from backend.ads.event_hash import event_hashes
    from backend.ads.events import parse_batch
    from tests.ads.factories import body, conversion

    events = parse_batch(body([impression("i-1"), click("c-1", "i-1", "k-1"), conversion("v-1", "k-1")])).events
    expected = [
        event_hash_of(
            campaign_id=e.campaign_id, publisher=PUBLISHER, event_id=e.event_id, kind=e.kind, occurred_at=e.timestamp,
            received_at=NOW, impression_id=e.impression_id, click_id=e.click_id,
        )  # fmt: skip
        for e in events
    ]
    assert event_hashes(PUBLISHER, NOW, events) == expected
