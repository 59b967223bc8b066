"""Offers through the API: validation, custody, ownership, closing with a refund."""

import uuid

from sqlmodel import Session

from backend.core.db import engine_for
from backend.identity.models import CustodyMode, Participant
from tests.consent.conftest import CATEGORIES, COMPENSATION, PURPOSE
from tests.factories import DAY


def publish(world, identity, **changes):
    body = {
        "purpose": PURPOSE,
        "data_categories": CATEGORIES,
        "token": "TokenUSD",
        "compensation": COMPENSATION,
        "cap": 4,
        "period_seconds": DAY,
    } | changes
    headers = identity.headers | {"Idempotency-Key": uuid.uuid4().hex}
    return world.client.post("/v1/offers", json=body, headers=headers)


def error(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_offer_terms_custody_and_ownership(world):
    acme, acme_address = world.advertiser("Acme")
    rival, _ = world.advertiser("Rival")
    assert error(publish(world, acme, token="0x" + "12" * 20)) == (422, "unknown_token")
    assert error(publish(world, acme, purpose="dpv:Profiling")) == (422, "outside_vocabulary")
    assert error(publish(world, acme, data_categories=["shoe-size"])) == (422, "outside_vocabulary")
    assert publish(world, acme, cap=0).status_code == 422

    published = publish(world, acme)
    assert published.status_code == 202
    publication = published.json()["publication_id"]
    assert [published.json()[step]["status"] for step in ("approve", "publish")] == ["queued", "queued"]
    status = world.client.get(f"/v1/offers/publications/{publication}", headers=rival.headers)
    assert error(status) == (404, "not_found"), "another advertiser's publication"
    world.settle()
    offer_id = world.client.get(f"/v1/offers/publications/{publication}", headers=acme.headers).json()["offer_id"]
    listed = world.client.get("/v1/offers", params={"advertiser": acme_address}).json()
    assert [(o["offer_id"], o["budget_left"], o["token"]) for o in listed] == [
        (offer_id, str(4 * COMPENSATION), world.token.address)
    ]

    close = f"/v1/offers/{offer_id}/close"
    assert error(world.client.post(close, headers=rival.headers | {"Idempotency-Key": "r"})) == (404, "not_found")
    balance = world.token.functions.balanceOf(acme_address).call()
    assert world.client.post(close, headers=acme.headers | {"Idempotency-Key": "c"}).status_code == 202
    world.settle()
    assert world.client.get(f"/v1/offers/{offer_id}").json()["closed"] is True
    assert world.token.functions.balanceOf(acme_address).call() == balance + 4 * COMPENSATION
    assert world.client.get("/v1/offers").json() == [], "closed offers are not listed by default"
    again = world.client.post(close, headers=acme.headers | {"Idempotency-Key": "d"})
    assert error(again) == (409, "offer_closed")

    with Session(engine_for(world.settings.database_url)) as session:
        participant = session.get(Participant, acme.participant_id)
        participant.custody_mode = CustodyMode.NON_CUSTODIAL
        session.add(participant)
        session.commit()
    assert error(publish(world, acme)) == (409, "not_custodial")
