"""A signed batch of impressions, clicks and conversions, bots among them, on both paths:
embedded (SQLite, in-process counters) and production (PostgreSQL, Redis)."""

from __future__ import annotations

from backend.identity.roles import Role
from tests.ads.factories import BOT_AGENT, DATACENTER_IP, EPOCH_SECONDS, NOW, click, conversion, impression
from tests.ads_api.support import KYC_UNTIL
from tests.api.support import BOTH_DATABASES


def mixed_batch() -> list[dict]:
    return [
        impression("imp-1"),
        impression("imp-2"),
        click("clk-1", "imp-1", click_id="c-1"),
        conversion("conv-1", "c-1"),
        impression("imp-bot", user_agent=BOT_AGENT),
        impression("imp-dc", ip=DATACENTER_IP),
        click("clk-orphan", "imp-missing"),
        impression("imp-other", campaign_id=99),
    ]


@BOTH_DATABASES
def test_a_signed_batch_is_stored_with_each_events_outcome(ingest):
    ingest.campaign(1)
    publisher = ingest.publisher()

    response = ingest.post(publisher, mixed_batch())

    assert response.status_code == 202, response.text
    answer = response.json()
    assert answer["publisher"] == publisher.address
    assert answer["received_at"] == NOW
    assert answer["epoch"] == NOW // EPOCH_SECONDS
    assert answer["counts"] == {"events": 8, "accepted": 4, "filtered": 4, "duplicates": 0, "rejected": 0}
    assert {f["event_id"]: f["reason"] for f in answer["filtered"]} == {
        "imp-bot": "bot_user_agent",
        "imp-dc": "datacenter_ip",
        "clk-orphan": "click_without_impression",
        "imp-other": "unknown_campaign",
    }
    assert answer["duplicates"] == [] and answer["rejected"] == []

    rows = {row["client_event_id"]: row for row in ingest.events()}
    assert len(rows) == 8
    assert {row["batch_id"] for row in rows.values()} == {answer["batch_id"]}
    assert {k for k, row in rows.items() if row["status"] == "accepted"} == {"imp-1", "imp-2", "clk-1", "conv-1"}
    assert rows["conv-1"]["click_at"] == NOW - 60
    assert rows["imp-bot"]["reason"] == "bot_user_agent"
    # Keyed hashes only: no clear IP or device id anywhere in the row.
    assert len(bytes(rows["imp-1"]["ip_hash"])) == 32 and len(bytes(rows["imp-1"]["device_hash"])) == 32
    assert all("81.2.69.160" not in repr(row) and "device-imp-1" not in repr(row) for row in rows.values())


@BOTH_DATABASES
def test_traffic_reports_count_accepted_and_filtered_by_reason(ingest):
    advertiser = ingest.api.identity(Role.ADVERTISER, kyc_expires_at=KYC_UNTIL)
    campaign = ingest.campaign(1, advertiser=advertiser)
    publisher = ingest.publisher()
    assert ingest.post(publisher, mixed_batch()).status_code == 202

    report = ingest.client.get(f"/v1/campaigns/{campaign}/traffic", headers=advertiser.headers)
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["chain_campaign_id"] == 1
    assert body["total"]["accepted"] == 4
    assert body["total"]["filtered_by_reason"] == {"bot_user_agent": 1, "datacenter_ip": 1, "click_without_impression": 1}
    (line,) = body["publishers"]
    assert line["publisher"] == publisher.address
    assert (line["impressions"]["accepted"], line["clicks"]["accepted"], line["conversions"]["accepted"]) == (2, 1, 1)
    assert line["impressions"]["filtered"] == 2 and line["clicks"]["filtered"] == 1
    assert line["total"]["billed"] == 0 and line["total"]["billed_amount"] == 0

    mine = ingest.client.get(f"/v1/publishers/{publisher.identity.participant_id}/traffic", headers=publisher.identity.headers)
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["batches"] == {"batches": 1, "events": 8, "accepted": 4, "filtered": 4, "duplicates": 0, "rejected": 0}
    assert [line["campaign_id"] for line in body["campaigns"]] == [1, 99]
    assert body["campaigns"][1]["total"]["filtered_by_reason"] == {"unknown_campaign": 1}
    assert body["total"]["accepted"] == 4 and body["total"]["filtered"] == 4
