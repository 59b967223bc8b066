"""The auditors' queue and the resolution endpoint on anvil: the queue names the platform campaign,
a resolution is refused to a non-auditor, for an unknown campaign and once resolved, and is
marked pending from the request until the indexer mirrors ``ChallengeResolved``."""

from __future__ import annotations

import uuid


def queue(world, open_only: bool = True) -> list[dict]:
    response = world.client.get(f"/v1/challenges?open_only={str(open_only).lower()}", headers=world.chain_api.admin())
    assert response.status_code == 200, response.text
    return response.json()


def test_the_queue_names_the_campaign_and_marks_a_resolution_pending_until_mirrored(world):
    disputed = world.open_challenge()
    (row,) = queue(world)
    assert (row["campaign_id"], row["campaign_name"], row["epoch"]) == (
        world.campaign["id"], world.campaign["name"], disputed.epoch)
    assert row["outcome"] is None and row["resolution_pending"] is False

    resolution = f"/v1/challenges/{world.campaign['id']}/resolution"
    by_advertiser = world.api("POST", resolution, world.advertiser, json={"upheld": False})
    assert by_advertiser.status_code == 403, by_advertiser.text
    unknown = world.api("POST", f"/v1/challenges/{uuid.uuid4()}/resolution", world.auditor, json={"upheld": False})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"

    world.fund_gas(world.auditor.address)
    resolved = world.api("POST", resolution, world.auditor, json={"upheld": False})
    assert resolved.status_code == 202, resolved.text
    assert [tx["kind"] for tx in resolved.json()["transactions"]] == ["CampaignEscrow.resolveChallenge"]
    (row,) = queue(world)
    assert row["resolution_pending"] is True and row["outcome"] is None

    world.mine()
    assert queue(world) == []
    (closed,) = queue(world, open_only=False)
    assert closed["outcome"] == "rejected" and closed["resolution_pending"] is False
    assert closed["resolver"].lower() == world.auditor.address.lower()
    again = world.api("POST", resolution, world.auditor, json={"upheld": True})
    assert again.status_code == 409 and again.json()["error"]["code"] == "no_open_challenge"
