"""The data path: only consented purpose and fields, only to the grantee, expiry at read time, every read logged."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from backend.consent.audit import record_access
from backend.consent.models import AccessOutcome, ConsentAccess, utcnow
from backend.core.db import engine_for
from backend.core.db_pipeline import session_executor
from backend.db.migrate import upgrade_database
from backend.identity.roles import Role
from tests.api.support import BOTH_DATABASES, create_identity
from tests.consent.conftest import PROFILE, PURPOSE
from tests.factories import DAY, increase_time


def access_log(world) -> list[tuple]:
    with Session(engine_for(world.settings.database_url)) as session:
        rows = session.exec(select(ConsentAccess).order_by(ConsentAccess.id)).all()
        return [
            (r.grantee, r.subject, r.purpose, r.consent_ids, r.fields_disclosed, r.fields_withheld, r.outcome)
            for r in rows
        ]


@BOTH_DATABASES
def test_a_grantee_reads_only_the_consented_purpose_and_fields(world):
    acme, acme_address = world.advertiser("Acme")
    other, other_address = world.advertiser("Other")
    acme_offer = world.publish_offer(acme, categories=["age-band", "country"])
    other_offer = world.publish_offer(other, purpose="dpv:Marketing", categories=["interests"])
    consumer = world.consumer("carol")
    consumer.share(PROFILE)
    acme_id = consumer.grant(acme_offer, expiry=world.chain_now() + 30 * DAY)["consent_id"]
    other_id = consumer.grant(other_offer, expiry=world.chain_now() + 30 * DAY)["consent_id"]
    world.settle()
    for_acme, for_other = consumer.pairwise(acme_address).address, consumer.pairwise(other_address).address
    assert for_acme != for_other, "one pairwise address per grantee"

    everything = world.read(acme, for_acme)
    assert everything.status_code == 200
    assert everything.json()["data"] == {"age-band": "25-34", "country": "DE"}
    assert everything.json()["withheld"] == ["gender", "interests", "language"]
    assert world.read(acme, for_acme, fields="interests").json()["data"] == {}
    assert world.read(acme, for_acme, purpose="dpv:Marketing").status_code == 403, "consented for another purpose"
    assert world.read(acme, for_other, purpose="dpv:Marketing").status_code == 403, "another grantee's pseudonym"
    assert world.read(other, for_acme).status_code == 403, "another grantee's consent"
    marketing = world.read(other, for_other, purpose="dpv:Marketing")
    assert marketing.json()["data"] == {"interests": ["cycling", "jazz"]}
    assert marketing.json()["consent_ids"] == [other_id]
    unknown = world.read(acme, "0x" + "11" * 20)
    assert unknown.status_code == 403 and unknown.json()["error"]["code"] == "consent_required"
    assert world.read(acme, for_acme, purpose="dpv:Profiling").json()["error"]["code"] == "outside_vocabulary"
    assert world.read(acme, for_acme, fields="shoe-size").status_code == 422

    everything_else = "age-band country gender interests language"
    all_but_interests = "age-band country gender language"
    assert access_log(world) == [
        (acme_address, for_acme, PURPOSE, acme_id, "age-band country", "gender interests language", "disclosed"),
        (acme_address, for_acme, PURPOSE, acme_id, "", "interests", "disclosed"),
        (acme_address, for_acme, "dpv:Marketing", "", "", everything_else, "refused"),
        (acme_address, for_other, "dpv:Marketing", "", "", everything_else, "refused"),
        (other_address, for_acme, PURPOSE, "", "", everything_else, "refused"),
        (other_address, for_other, "dpv:Marketing", other_id, "interests", all_but_interests, "disclosed"),
        (acme_address, "0x" + "11" * 20, PURPOSE, "", "", everything_else, "refused"),
    ], "every read is logged, refused ones too; malformed requests are not reads"


@BOTH_DATABASES
def test_expiry_takes_effect_at_read_time_without_a_transaction(world):
    acme, acme_address = world.advertiser()
    offer = world.publish_offer(acme)
    consumer = world.consumer("dave")
    consumer.share(PROFILE)
    consent_id = consumer.grant(offer, expiry=world.chain_now() + 3_600)["consent_id"]
    world.settle()
    subject = consumer.pairwise(acme_address).address
    assert world.read(acme, subject).status_code == 200

    increase_time(world.w3, 3_600)
    world.sync_clock()
    block = world.w3.eth.block_number
    expired = world.read(acme, subject)
    assert expired.status_code == 403
    assert world.w3.eth.block_number == block, "no transaction was needed"
    assert world.consents.functions.isConsentActive(consent_id).call() is False
    assert world.consents.functions.consentRecord(consent_id).call()[3] == 1, "still Active in storage"
    receipt = world.client.get(f"/v1/consents/{consent_id}/receipt").json()
    assert receipt["dpv:hasConsentStatus"]["@id"] == "dpv:ConsentExpired"
    assert [row[-1] for row in access_log(world)] == ["disclosed", "refused"]


@BOTH_DATABASES
def test_the_access_log_refuses_updates_and_deletes(database_url):
    upgrade_database(database_url)
    advertiser = create_identity(database_url, Role.ADVERTISER)
    engine = engine_for(database_url)
    with Session(engine) as session:
        record_access(
            session_executor(session),
            participant_id=advertiser.participant_id,
            grantee=advertiser.address,
            subject="0x" + "22" * 20,
            purpose=PURPOSE,
            consent_ids=[],
            disclosed=[],
            withheld=["country"],
            outcome=AccessOutcome.REFUSED,
            at=utcnow(),
        )
        session.commit()
    for statement in ("UPDATE consent_access_log SET outcome = 'disclosed'", "DELETE FROM consent_access_log"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT outcome FROM consent_access_log")).scalars().all() == ["refused"]
