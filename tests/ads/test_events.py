from __future__ import annotations

import json

import pytest

from backend.ads.events import MAX_BATCH_EVENTS, BatchInvalid, BatchTooLarge, parse_batch
from backend.campaigns.kinds import EventKind
from tests.ads.factories import body, click, conversion, event, impression


def test_a_valid_batch_parses_every_kind_with_its_references():
    parsed = parse_batch(body([impression("i1"), click("c1", "i1", "clk-1"), conversion("v1", "clk-1")]))
    assert parsed.rejected == ()
    i1, c1, v1 = parsed.events
    assert (i1.kind, c1.kind, v1.kind) == (EventKind.IMPRESSION, EventKind.CLICK, EventKind.CONVERSION)
    assert (c1.impression_id, c1.click_id, v1.click_id) == ("i1", "clk-1", "clk-1")
    assert i1.ip == "81.2.69.160" and i1.device_id == "device-i1"


def test_personal_fields_are_optional():
    parsed = parse_batch(body([impression("i1", ip=None, device_id=None, user_agent=None)]))
    assert parsed.rejected == () and parsed.events[0].ip is None


BAD_EVENTS = [
    (impression("e", campaign_id=1.0), "campaign_id: Input should be a valid integer"),
    (impression("e", campaign_id="1"), "campaign_id: Input should be a valid integer"),
    (impression("e", campaign_id=0), "campaign_id: Input should be greater than or equal to 1"),
    (impression("e", campaign_id=2**63), "campaign_id: Input should be less than or equal to"),
    (impression("e", timestamp="1700000000"), "timestamp: Input should be a valid integer"),
    (impression("e", timestamp=1_700_000_000_000_000), "timestamp: Input should be less than or equal to"),
    (event("e", "view"), "kind: Input should be 'impression', 'click' or 'conversion'"),
    (impression("e", referrer="x"), "referrer: Extra inputs are not permitted"),
    ({"campaign_id": 1, "kind": "impression", "timestamp": 1}, "event_id: Field required"),
    (impression("e" * 65), "event_id: String should match pattern"),
    (impression("bad id"), "event_id: String should match pattern"),
    (impression("e", ip="300.1.1.1"), "ip: not an IPv4 or IPv6 address"),
    (impression("e", ip="1.2.3.4 "), "ip: not an IPv4 or IPv6 address"),
    (impression("e", device_id=""), "device_id: String should have at least 1 character"),
    (impression("e", user_agent="x" * 1025), "user_agent: String should have at most 1024 characters"),
    (impression("e", click_id="clk"), "an impression carries neither impression_id nor click_id"),
    (click("e", "i1") | {"impression_id": 5}, "impression_id: Input should be a valid string"),
    ({k: v for k, v in click("e", "i1").items() if k != "impression_id"}, "a click needs impression_id and click_id"),
    ({k: v for k, v in conversion("e", "x").items() if k != "click_id"}, "a conversion needs click_id"),
    (conversion("e", "x") | {"impression_id": "i1"}, "a conversion needs click_id and no impression_id"),
    (conversion("e", "bad click id"), "click_id: String should match pattern"),
]


@pytest.mark.parametrize(("bad", "reason"), BAD_EVENTS, ids=[reason for _, reason in BAD_EVENTS])
def test_a_malformed_event_is_rejected_with_its_reason_and_the_rest_goes_on(bad, reason):
    parsed = parse_batch(json.dumps({"events": [impression("ok-1"), bad, impression("ok-2")]}).encode())
    assert [e.event_id for e in parsed.events] == ["ok-1", "ok-2"]
    (rejection,) = parsed.rejected
    assert rejection.index == 1
    assert rejection.event_id == (bad.get("event_id") if isinstance(bad.get("event_id"), str) else None)
    assert any(r.startswith(reason) for r in rejection.reasons), rejection.reasons


def test_every_failing_field_of_an_event_is_listed():
    parsed = parse_batch(body([event("e", "view", campaign_id="1")]))
    assert parsed.rejected[0].reasons == (
        "campaign_id: Input should be a valid integer",
        "kind: Input should be 'impression', 'click' or 'conversion'",
    )


def test_an_event_that_is_not_an_object_is_rejected_without_an_id():
    parsed = parse_batch(b'{"events": [5, {"event_id": 7}]}')
    assert [(r.index, r.event_id) for r in parsed.rejected] == [(0, None), (1, None)]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"{not json", "batch_not_json"),
        (b"[]", "batch_malformed"),
        (b'{"events": {}}', "batch_malformed"),
        (b'{"events": [], "publisher": "x"}', "batch_malformed"),
        (b'{"events": []}', "batch_empty"),
    ],
)
def test_an_unusable_body_is_refused_whole(raw, code):
    with pytest.raises(BatchInvalid) as excinfo:
        parse_batch(raw)
    assert excinfo.value.code == code


def test_a_batch_holds_at_most_10000_events():
    events = [impression(f"e{i}") for i in range(MAX_BATCH_EVENTS)]
    assert len(parse_batch(body(events)).events) == MAX_BATCH_EVENTS
    with pytest.raises(BatchTooLarge) as excinfo:
        parse_batch(body(events + [impression("one-more")]))
    assert excinfo.value.code == "batch_too_large" and excinfo.value.count == MAX_BATCH_EVENTS + 1


@pytest.mark.parametrize(("bad", "reason"), BAD_EVENTS, ids=[reason for _, reason in BAD_EVENTS])
def test_the_fast_path_refuses_every_event_the_model_refuses(bad, reason):
    from backend.ads import events

    assert events._all_valid([impression("ok-1"), bad]) is None


def test_the_fast_path_gives_what_the_model_gives():
    from backend.ads import events

    items = [
        impression("i1"),
        impression("i2", ip="::ffff:81.2.69.160", device_id=None, user_agent=None),
        impression("i3", ip="2001:db8::1", impression_id=None, click_id=None),
        click("c1", "i1", "clk-1"),
        conversion("v1", "clk-1"),
        impression("i4", ip=None),
    ]
    fast = events._all_valid(items)
    assert fast is not None
    assert list(fast) == [events.Event.of(events.AdEventIn.model_validate(item)) for item in items]
    assert [e.kind for e in fast] == [EventKind.IMPRESSION] * 3 + [EventKind.CLICK, EventKind.CONVERSION, EventKind.IMPRESSION]
    assert fast[1].packed_ip == bytes([81, 2, 69, 160]) and fast[5].packed_ip is None
