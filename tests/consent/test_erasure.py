"""Erasure: crypto-shredded, refused at once, withdrawn on chain where signed, and nothing left that links."""

import pytest
from eth_account import Account
from sqlalchemy import inspect, text
from sqlmodel import Session

from backend.consent import vault
from backend.consent.client import SIGN_IN_STATEMENT, ApiCallFailed, ConsumerClient
from backend.consent.models import ConsentSubject
from backend.core.db import engine_for
from tests.api.support import BOTH_DATABASES
from tests.consent.conftest import PROFILE
from tests.factories import DAY

ACTIVE, WITHDRAWN = 1, 2


def every_stored_value(database_url: str) -> list[str]:
    """Every value of every table (backend and mirror), as lowercase text; bytes as hex."""
    engine = engine_for(database_url)
    values = []
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                for value in row:
                    values.append(value.hex() if isinstance(value, (bytes, memoryview)) else str(value).lower())
    return values


@BOTH_DATABASES
def test_erasure_shreds_refuses_withdraws_and_unlinks(world):
    acme, acme_address = world.advertiser("Acme")
    beta, beta_address = world.advertiser("Beta")
    acme_offer = world.publish_offer(acme)
    beta_offer = world.publish_offer(beta, purpose="dpv:Marketing")
    consumer = world.consumer("erin")
    consumer.share(PROFILE)
    expiry = world.chain_now() + 30 * DAY
    acme_ids = [consumer.grant(acme_offer, expiry)["consent_id"] for _ in range(2)]
    beta_id = consumer.grant(beta_offer, expiry)["consent_id"]
    world.settle()
    for_acme, for_beta = consumer.pairwise(acme_address).address, consumer.pairwise(beta_address).address
    assert world.read(acme, for_acme).status_code == 200
    assert world.read(beta, for_beta, purpose="dpv:Marketing").status_code == 200

    wallet, did = consumer.wallet.address, consumer.did
    with Session(engine_for(world.settings.database_url)) as session:
        backup = session.exec(ConsentSubject.__table__.select()).one()  # what a backup of the table would hold
    withdrawals = [consumer.signed_withdrawal(consent_id, acme_address) for consent_id in acme_ids]
    sign_in_only = consumer.signed_siwe(SIGN_IN_STATEMENT) | {"withdrawals": withdrawals}
    refused = world.client.request("DELETE", "/v1/subjects/me", json=sign_in_only)
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "erasure_statement_required")
    with pytest.raises(ApiCallFailed) as nothing_held:
        ConsumerClient(world.client, Account.create(), clock=consumer.clock).erase([])
    assert nothing_held.value.response.json()["error"]["code"] == "subject_unknown"
    erased = consumer.erase(withdrawals)

    assert erased["pairwise_unlinked"] == 2
    assert {c["consent_id"]: c["on_chain"] for c in erased["consents"]} == {
        acme_ids[0]: "queued",
        acme_ids[1]: "queued",
        beta_id: "missing",
    }
    assert beta_id in erased["follow_up"]
    assert world.read(acme, for_acme).status_code == 403, "refused before anything is mined"
    assert world.read(beta, for_beta, purpose="dpv:Marketing").status_code == 403, "refused without its withdrawal"
    assert world.client.get("/v1/subjects/me/export", headers=consumer.headers).status_code == 401
    world.settle()
    assert [world.consents.functions.consentRecord(i).call()[3] for i in acme_ids] == [WITHDRAWN, WITHDRAWN]
    assert world.consents.functions.consentRecord(beta_id).call()[3] == ACTIVE

    # The ciphertext can no longer be opened with anything the platform still holds.
    keys = vault.consent_keys(world.master)
    with pytest.raises(vault.VaultError):
        vault.open_field(world.master.secret, backup.id, "profile", backup.profile)
    for candidate in (keys.link_key, keys.lookup_key):
        with pytest.raises(vault.VaultError):
            vault.open_field(candidate, backup.id, "profile", backup.profile)
    with Session(engine_for(world.settings.database_url)) as session:
        assert session.get(ConsentSubject, backup.id) is None, "its wrapped key is gone"

    # Nothing off chain links the wallet or its DID to the pairwise addresses (or to anything).
    stored = every_stored_value(world.settings.database_url)
    for secret in (wallet[2:].lower(), did.lower(), vault.wallet_lookup(keys, wallet), backup.id.hex, str(backup.id)):
        assert not any(secret in value for value in stored), f"{secret} is still stored"
    assert any(for_acme[2:].lower() in value for value in stored), "the scan does see pairwise addresses (on chain)"

    # On chain: the relayed calls and the registry's storage hold pairwise addresses only.
    for number in range(world.w3.eth.block_number + 1):
        for tx in world.w3.eth.get_block(number, full_transactions=True)["transactions"]:
            assert wallet[2:].lower() not in bytes(tx["input"]).hex() and wallet not in (tx["from"], tx.get("to"))
            assert did.encode().hex() not in bytes(tx["input"]).hex()
    assert [world.consents.functions.consentRecord(i).call()[0] for i in (*acme_ids, beta_id)] == [
        for_acme,
        for_acme,
        for_beta,
    ]
    assert world.consents.functions.rewardsOf(wallet, world.token.address).call() == 0
    assert world.consents.functions.paidPeriod(wallet, acme_offer["offer_id"]).call() == 0

    # The missing withdrawal can follow later: it needs only the re-derivable pairwise key.
    consumer.withdraw(beta_id, beta_address)
    world.settle()
    assert world.consents.functions.consentRecord(beta_id).call()[3] == WITHDRAWN
