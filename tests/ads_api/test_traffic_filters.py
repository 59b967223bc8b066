"""Events kept but never billed, each with its reason: duplicates, unknown campaigns and publishers,
campaigns not running, bots and data centres, frequency caps."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from backend.core.db import engine_for
from backend.identity.models import Participant, ParticipantStatus
from tests.ads.factories import BOT_AGENT, DATACENTER_IP, NOW, click, conversion, impression
from tests.ads_api.support import DAY


def outcomes(response) -> dict[str, str]:
    """Event id -> its reason, or "accepted" / "duplicate"."""
    answer = response.json()
    result = {f["event_id"]: f["reason"] for f in answer["filtered"]}
    result.update({event_id: "duplicate" for event_id in answer["duplicates"]})
    return result


def test_duplicates_are_reported_not_stored_twice(ingest):
    ingest.campaign(1)
    publisher = ingest.publisher()
    first = ingest.post(publisher, [impression("a"), impression("b"), impression("a")])
    assert first.status_code == 202
    assert first.json()["duplicates"] == ["a"] and first.json()["counts"]["accepted"] == 2
    second = ingest.post(publisher, [impression("b"), impression("c")])
    assert second.json()["duplicates"] == ["b"] and second.json()["counts"]["accepted"] == 1
    assert sorted(row["client_event_id"] for row in ingest.events()) == ["a", "b", "c"]
    # Event ids are the publisher's own: another publisher may use the same ones.
    other = ingest.post(ingest.publisher(), [impression("a")])
    assert other.json()["duplicates"] == [] and ingest.count("ad_events") == 4


@pytest.mark.parametrize(
    ("campaign", "reason"),
    [
        ({"deposit": 0}, "campaign_unfunded"),
        ({"paused": True}, "campaign_paused"),
        ({"end_time": NOW - 1}, "campaign_ended"),
        ({"closed": True}, "campaign_ended"),
        ({"deposit": 1_000, "spent": 1_000}, "budget_exhausted"),
        ({"anchored": False}, "unknown_campaign"),
    ],
)
def test_events_of_a_campaign_not_running_are_filtered(ingest, campaign, reason):
    ingest.campaign(7, **campaign)
    response = ingest.post(ingest.publisher(), [impression("a", campaign_id=7), impression("b", campaign_id=7)])
    assert response.status_code == 202, response.text
    assert outcomes(response) == {"a": reason, "b": reason}
    assert {(row["status"], row["reason"]) for row in ingest.events()} == {("filtered", reason)}


def test_the_reserve_counts_against_the_budget(make_ingest_api, ingest_settings):
    # The reserve settlement holds back (TRUSTLEDGER_SETTLEMENT_RESERVE_BPS) is not there to bill.
    ingest = make_ingest_api(ingest_settings.model_copy(update={"settlement_reserve_bps": 1_000}))
    ingest.campaign(1, deposit=10_000, spent=9_000)  # 10% of 10,000 held back: nothing left to bill
    ingest.campaign(2, deposit=10_000, spent=8_999)
    response = ingest.post(ingest.publisher(), [impression("a"), impression("b", campaign_id=2)])
    assert outcomes(response) == {"a": "budget_exhausted"}


def test_a_suspended_or_expired_publishers_signed_events_are_kept_as_unknown_publisher(ingest):
    ingest.campaign(1)
    suspended = ingest.publisher()
    expired = ingest.publisher()
    with Session(engine_for(ingest.url)) as session:
        session.get(Participant, suspended.identity.participant_id).status = ParticipantStatus.SUSPENDED
        session.get(Participant, expired.identity.participant_id).kyc_expires_at = ingest.api.clock.fixed
        session.commit()
    for publisher in (suspended, expired):
        response = ingest.post(publisher, [impression("a"), click("k", "a")])
        assert response.status_code == 202, response.text
        assert outcomes(response) == {"a": "unknown_publisher", "k": "unknown_publisher"}
    assert ingest.count("ad_events") == 4


def test_bots_data_centres_and_stale_or_future_timestamps_are_filtered(ingest):
    ingest.campaign(1)
    response = ingest.post(
        ingest.publisher(),
        [
            impression("human"),
            impression("bot", user_agent=BOT_AGENT),
            impression("curl", user_agent="curl/8.4.0"),
            impression("aws", ip=DATACENTER_IP),
            impression("old", timestamp=NOW - 2 * DAY - 1),
            impression("future", timestamp=NOW + 301),
        ],
    )
    assert outcomes(response) == {
        "bot": "bot_user_agent",
        "curl": "bot_user_agent",
        "aws": "datacenter_ip",
        "old": "timestamp_too_old",
        "future": "timestamp_in_future",
    }
    assert response.json()["counts"]["accepted"] == 1


def test_attribution_clicks_need_impressions_and_conversions_need_clicks(ingest):
    ingest.campaign(1)
    publisher = ingest.publisher()
    first = ingest.post(publisher, [impression("i1", timestamp=NOW - 600)])
    assert first.json()["counts"]["accepted"] == 1
    # A later batch: the click finds its impression stored, the conversion its click.
    second = ingest.post(
        publisher,
        [
            click("k1", "i1", click_id="c1", timestamp=NOW - 500),
            click("k2", "nowhere", click_id="c2"),
            conversion("v1", "c1", timestamp=NOW - 400),
            conversion("v2", "c-unknown"),
        ],
    )
    assert outcomes(second) == {"k2": "click_without_impression", "v2": "conversion_without_click"}


def test_frequency_caps_filter_past_the_cap(make_ingest_api, ingest_settings):
    settings = ingest_settings.model_copy(update={"ads_ip_cap_impressions": 2, "ads_device_cap_clicks": 1})
    ingest = make_ingest_api(settings)
    ingest.campaign(1)
    publisher = ingest.publisher()
    same_ip = [impression(f"i{n}", ip="81.2.69.10") for n in range(3)]
    response = ingest.post(publisher, same_ip)
    assert outcomes(response) == {"i2": "ip_frequency_cap"}
    # The counter carries over to the next batch.
    again = ingest.post(publisher, [impression("i3", ip="81.2.69.10"), impression("i4", ip="81.2.69.11")])
    assert outcomes(again) == {"i3": "ip_frequency_cap"}
    clicks = ingest.post(
        publisher,
        [click("k1", "i0", device_id="phone"), click("k2", "i1", device_id="phone", click_id="c-k2")],
    )
    assert outcomes(clicks) == {"k2": "device_frequency_cap"}
