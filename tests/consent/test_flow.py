"""The main flow on both databases: offer, sign-in, grant (relayed), read, withdraw, export, erase."""

from sqlmodel import Session, select

from backend.consent.models import ConsentAccess, ConsentWithdrawal
from backend.core.db import engine_for
from tests.api.support import BOTH_DATABASES
from tests.consent.conftest import COMPENSATION, PROFILE, PURPOSE
from tests.factories import DAY

ACTIVE, WITHDRAWN = 1, 2


@BOTH_DATABASES
def test_grant_read_withdraw_export_erase(world):
    advertiser, advertiser_address = world.advertiser()
    offer = world.publish_offer(advertiser)
    assert offer["purpose"] == PURPOSE and offer["data_categories"] == ["age-band", "country", "interests"]
    assert world.token.functions.balanceOf(world.consents.address).call() == 3 * COMPENSATION, "funded up front"

    consumer = world.consumer("alice")
    consumer.share(PROFILE)
    pairwise = consumer.pairwise(advertiser_address).address
    assert pairwise != consumer.wallet.address
    granted = consumer.grant(offer, expiry=world.chain_now() + 90 * DAY)
    consent_id = granted["consent_id"]
    assert world.read(advertiser, pairwise).status_code == 403, "not effective before it is on chain"

    world.settle()
    record = world.consents.functions.consentRecord(consent_id).call()
    assert record[0] == pairwise and record[3] == ACTIVE and record[4] is True
    assert world.consents.functions.rewardsOf(pairwise, world.token.address).call() == COMPENSATION

    read = world.read(advertiser, pairwise, fields="age-band,country,interests,gender")
    assert read.status_code == 200, read.text
    body = read.json()
    assert body["data"] == {"age-band": "25-34", "country": "DE", "interests": ["cycling", "jazz"]}
    assert body["withheld"] == ["gender"] and body["consent_ids"] == [consent_id]

    withdrawn = consumer.withdraw(consent_id, advertiser_address)
    assert withdrawn["outbox_id"] is not None
    refused = world.read(advertiser, pairwise)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "consent_required"
    assert world.consents.functions.consentRecord(consent_id).call()[3] == ACTIVE, "refused before the chain knows"
    world.settle()
    assert world.consents.functions.consentRecord(consent_id).call()[3] == WITHDRAWN

    exported = consumer.export()
    assert exported["subject"]["wallet"] == consumer.wallet.address
    assert exported["profile"] == PROFILE
    assert [p["address"] for p in exported["pairwise_identities"]] == [pairwise]
    assert [(c["consent_id"], c["status"]) for c in exported["consents"]] == [(consent_id, "withdrawn")]
    assert [(a["outcome"], a["fields_disclosed"]) for a in exported["access_log"]] == [
        ("refused", []),
        ("disclosed", ["age-band", "country", "interests"]),
        ("refused", []),
    ]
    assert exported["rewards"][0]["available"] == str(COMPENSATION)

    erased = consumer.erase([])
    assert erased["erased"] is True and erased["pairwise_unlinked"] == 1
    assert erased["consents"] == [{"consent_id": consent_id, "on_chain": "not_needed", "reason": None}]
    assert world.client.get("/v1/subjects/me/export", headers=consumer.headers).status_code == 401
    with Session(engine_for(world.settings.database_url)) as session:
        assert len(session.exec(select(ConsentAccess)).all()) == 3
        assert session.get(ConsentWithdrawal, consent_id).outbox_id == withdrawn["outbox_id"]


def test_a_grant_still_being_relayed_can_be_withdrawn(world):
    advertiser, address = world.advertiser()
    offer = world.publish_offer(advertiser)
    consumer = world.consumer("gina")
    consent_id = consumer.grant(offer, expiry=world.chain_now() + 90 * DAY)["consent_id"]
    assert consumer.withdraw(consent_id, address)["consent_id"] == consent_id, "accepted before the grant is mined"
    world.settle()
    assert world.consents.functions.consentRecord(consent_id).call()[3] == WITHDRAWN, "relayed in order"
    assert world.read(advertiser, consumer.pairwise(address).address).status_code == 403
