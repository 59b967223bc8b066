"""Campaigns whose commits need more than the platform's attester, on anvil: the settlement waits for
the other attesters' signatures posted through the API, then commits; refusals of wrong signatures
and callers; later epochs wait behind the awaiting one."""

from __future__ import annotations

import dataclasses

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlmodel import Session

from backend.identity.roles import Role
from backend.keys import MasterKey, open_custodial_key
from backend.proofs.merkle import MerkleTree
from backend.settlement.encoding.attestation import sign
from backend.settlement.cosigning.commit import attestation_of
from backend.settlement.models import Settlement, SettlementSignature
from backend.settlement.cosigning.commit import COMMIT_KIND
from backend.settlement.epochs.settle import Skipped
from indexer.models import Settlement as ChainSettlement
from tests.campaigns.support import keyed
from tests.settlement.support import ATTESTER_KEY, EPOCH_SECONDS, build_world, closed_epoch_time, cpm

PLATFORM = Account.from_key(ATTESTER_KEY).address


def custodial_key(world, who) -> LocalAccount:
    with Session(world.engine) as session:
        return open_custodial_key(session, who.address, master=MasterKey.from_settings(world.settings))


def stored(world, settlement_id: int) -> Settlement:
    with Session(world.engine) as session:
        return session.get(Settlement, settlement_id)


def signature_over(world, settlement: Settlement, key: LocalAccount, **changes) -> str:
    attestation = dataclasses.replace(attestation_of(settlement), **changes)
    return "0x" + sign(attestation, key.key, world.w3.eth.chain_id, world.escrow.address).hex()


def attest(world, who, settlement_id: int, **body):
    return world.api("POST", f"/v1/settlements/{settlement_id}/attestations", who, json=body)


def code(response) -> str:
    return response.json()["error"]["code"]


def status_of(world, settlement_id: int) -> str:
    listing = world.client.get(f"/v1/settlements/campaigns/{world.campaign['id']}", headers=world.advertiser.headers)
    return next(s["status"] for s in listing.json()["settlements"] if s["id"] == settlement_id)


@pytest.fixture
def attesters(chain_api):
    """Three custodial attesters approved through the API; build_world's settle puts them on chain."""
    admin = chain_api.admin()
    return [chain_api.onboard(admin, Role.ATTESTER, f"attester {n}") for n in (1, 2, 3)]


def test_a_2_of_2_campaign_commits_once_the_second_attester_signs(chain_api, attesters):
    second, outsider, _ = attesters
    world = build_world(chain_api, attesters=[PLATFORM, second.address], threshold=2)
    p1, p2 = world.publishers
    t = closed_epoch_time() - 2 * EPOCH_SECONDS
    world.traffic(p1, impressions=1_000, received_at=t)
    world.traffic(p2, impressions=400, received_at=t)

    first = world.settle()
    assert first.awaiting and first.settlement_id is not None and first.billed == 1_400
    assert world.outbox_count(COMMIT_KIND) == 0
    assert status_of(world, first.settlement_id) == "awaiting_attestations"
    world.traffic(p1, impressions=500, received_at=t + 2 * EPOCH_SECONDS)
    assert world.settle().skipped == Skipped.AWAITING_ATTESTATIONS, "a later epoch waits behind the awaiting one"
    assert world.statuses() == {"billed": 1_400, "accepted": 500}

    (todo,) = world.api("GET", "/v1/settlements/awaiting-attestation", second).json()
    assert (todo["settlement_id"], todo["epoch"], todo["event_count"]) == (first.settlement_id, first.epoch, 1_400)
    assert todo["cumulative_spent"] == str(cpm(1_000) + cpm(400))
    assert todo["revision"] == todo["typed_data"]["message"]["revision"] == 0, "a campaign never challenged"
    assert ([s["signer"] for s in todo["signed"]], todo["needed_attesters"], todo["needs_verifier"]) == (
        [PLATFORM], 1, False
    )
    on_chain_digest = world.escrow.functions.attestationDigest(
        world.chain_id, todo["epoch"], todo["events_root"], todo["balance_root"], int(todo["cumulative_spent"]),
        todo["event_count"], todo["revision"],
    ).call()
    assert todo["digest"] == "0x" + on_chain_digest.hex()
    assert world.api("GET", "/v1/settlements/awaiting-attestation", outsider).json() == []
    everything = world.api("GET", "/v1/settlements/awaiting-attestation", world.auditor).json()
    assert [s["settlement_id"] for s in everything] == [first.settlement_id]

    leaves = world.api("GET", todo["leaves"], second, params={"limit": 1_000}).json()
    more = world.api("GET", todo["leaves"], second, params={"offset": leaves["next_offset"]}).json()
    event_leaves = [bytes.fromhex(e["leaf_hash"][2:]) for e in leaves["events"] + more["events"]]
    assert (len(event_leaves), more["next_offset"]) == (1_400, None)
    assert "0x" + MerkleTree(event_leaves).root.hex() == todo["events_root"]
    balances = [bytes.fromhex(b["leaf_hash"][2:]) for b in leaves["balances"]]
    assert "0x" + MerkleTree(balances).root.hex() == todo["balance_root"]
    assert {b["publisher"]: b["cumulative_earned"] for b in leaves["balances"]} == {
        p1.address: str(cpm(1_000)), p2.address: str(cpm(400))
    }
    assert world.api("GET", todo["leaves"], outsider).status_code == 404
    assert world.api("GET", todo["leaves"], world.advertiser).status_code == 403

    settlement = stored(world, first.settlement_id)
    key = custodial_key(world, second)
    inflated = signature_over(world, settlement, key, cumulative_spent=settlement.cumulative_spent + 1)
    refused = attest(world, second, first.settlement_id, signature=inflated)
    assert (refused.status_code, code(refused)) == (422, "signature_mismatch")
    for malformed in ("0x1234", "0x" + "00" * 65, signature_over(world, settlement, key)[:-2] + "1d"):
        refused = attest(world, second, first.settlement_id, signature=malformed)
        assert (refused.status_code, code(refused)) == (422, "malformed_signature"), malformed
    stranger = attest(world, outsider, first.settlement_id,
                      signature=signature_over(world, settlement, custodial_key(world, outsider)))
    assert (stranger.status_code, code(stranger)) == (403, "not_campaign_attester")
    wrong_role = attest(world, world.auditor, first.settlement_id, signature=signature_over(world, settlement, key))
    assert (wrong_role.status_code, code(wrong_role)) == (403, "role_not_allowed")
    assert world.outbox_count(COMMIT_KIND) == 0

    accepted = attest(world, second, first.settlement_id, signature=signature_over(world, settlement, key))
    assert accepted.status_code == 200, accepted.text
    answer = accepted.json()
    assert (answer["status"], answer["needed_attesters"], answer["commit"]["kind"]) == ("queued", 0, COMMIT_KIND)
    again = attest(world, second, first.settlement_id, signature=signature_over(world, settlement, key))
    assert again.status_code == 200 and again.json()["signed"] == answer["signed"], "a repeat changes nothing"
    assert world.outbox_count(COMMIT_KIND) == 1

    world.mine()
    (commit,) = world.commits()
    assert (commit.args.epoch, commit.args.cumulativeSpent) == (first.epoch, cpm(1_000) + cpm(400))
    with Session(world.engine) as session:
        mirrored = session.get(ChainSettlement, (world.escrow.address, world.chain_id, first.epoch))
        assert mirrored.events_root == todo["events_root"] and mirrored.status == "committed"
    assert status_of(world, first.settlement_id) == "committed"
    assert world.api("GET", "/v1/settlements/awaiting-attestation", second).json() == []

    later = world.settle()
    assert later.awaiting and later.epoch > first.epoch and later.billed == 500
    late = attest(world, second, first.settlement_id, signature=signature_over(world, settlement, key))
    assert late.status_code == 200, "the first epoch's signer repeating itself still gets its answer"


def test_a_named_verifier_must_sign_and_a_custodial_one_may_have_the_platform_sign(chain_api, attesters):
    verifier, other, _ = attesters
    world = build_world(chain_api, attesters=[PLATFORM], threshold=1, verifier=verifier.address)
    t = closed_epoch_time()
    world.traffic(world.publishers[0], impressions=300, received_at=t)

    result = world.settle()
    assert result.awaiting and world.outbox_count(COMMIT_KIND) == 0, "the platform's signature alone is not enough"
    (todo,) = world.api("GET", "/v1/settlements/awaiting-attestation", verifier).json()
    assert (todo["needed_attesters"], todo["needs_verifier"], todo["verifier"]) == (0, True, verifier.address)
    refused = attest(world, other, result.settlement_id, custodial=True)
    assert (refused.status_code, code(refused)) == (403, "not_campaign_attester")
    both = attest(world, verifier, result.settlement_id, custodial=True, signature="0x" + "11" * 65)
    assert (both.status_code, code(both)) == (422, "signature_or_custodial")

    campaign = f"/v1/campaigns/{world.campaign['id']}"
    assert world.api("POST", f"{campaign}/pause", world.advertiser).status_code == 202
    world.mine()
    paused = attest(world, verifier, result.settlement_id, custodial=True)
    assert (paused.status_code, code(paused)) == (409, "commit_not_possible"), "the commit would revert"
    assert world.api("POST", f"{campaign}/unpause", world.advertiser).status_code == 202
    world.mine()

    admin = keyed(chain_api.admin())
    officer = f"/v1/participants/{verifier.participant_id}"
    assert world.client.post(f"{officer}/suspend", headers=admin).status_code == 200
    world.mine()
    suspended = attest(world, verifier, result.settlement_id, custodial=True)
    assert (suspended.status_code, code(suspended)) == (403, "participant_suspended")
    assert world.client.post(f"{officer}/unsuspend", headers=admin).status_code == 200
    not_yet = attest(world, verifier, result.settlement_id, custodial=True)
    assert (not_yet.status_code, code(not_yet)) == (409, "attester_not_active"), "still suspended on chain"
    world.mine()

    signed = attest(world, verifier, result.settlement_id, custodial=True)
    assert signed.status_code == 200, signed.text
    assert (signed.json()["status"], signed.json()["needs_verifier"]) == ("queued", False)
    with Session(world.engine) as session:
        row = session.get(SettlementSignature, (result.settlement_id, verifier.address))
        assert row.as_verifier and row.custodial and str(row.submitted_by) == verifier.participant_id
    world.mine()
    (commit,) = world.commits()
    assert (commit.args.epoch, commit.args.cumulativeSpent) == (result.epoch, cpm(300))
    assert status_of(world, result.settlement_id) == "committed"


def test_an_awaiting_epoch_is_undone_with_a_discarded_root_before_it_and_settled_again(chain_api, attesters):
    second = attesters[0]
    world = build_world(chain_api, attesters=[PLATFORM, second.address], threshold=2)
    p1 = world.publishers[0]
    key = custodial_key(world, second)
    t = closed_epoch_time() - 2 * EPOCH_SECONDS
    world.traffic(p1, impressions=1_000, received_at=t)
    first = world.settle()
    signed = attest(world, second, first.settlement_id,
                    signature=signature_over(world, stored(world, first.settlement_id), key))
    assert signed.status_code == 200, signed.text
    world.mine()
    world.traffic(p1, impressions=200, received_at=t + 2 * EPOCH_SECONDS)
    waiting = world.settle()
    assert waiting.awaiting and waiting.epoch > first.epoch

    challenge = {"campaign_id": world.campaign["id"], "epoch": first.epoch}
    assert world.api("POST", "/v1/challenges", world.advertiser, json=challenge).status_code == 202
    world.mine()
    world.fund_gas(world.auditor.address)
    resolved = world.api("POST", f"/v1/challenges/{world.campaign['id']}/resolution", world.auditor,
                         json={"upheld": True, "invalid_event_ids": []})
    assert resolved.status_code == 202, resolved.text
    world.mine()

    late = attest(world, second, waiting.settlement_id,
                  signature=signature_over(world, stored(world, waiting.settlement_id), key))
    assert (late.status_code, code(late)) == (409, "not_awaiting_attestations")
    again = world.settle()
    assert again.awaiting and again.epoch > waiting.epoch and again.billed == 1_200
    statuses = {s["id"]: s["status"] for s in world.client.get(
        f"/v1/settlements/campaigns/{world.campaign['id']}", headers=world.advertiser.headers
    ).json()["settlements"]}
    assert statuses == {
        first.settlement_id: "discarded",
        waiting.settlement_id: "discarded",
        again.settlement_id: "awaiting_attestations",
    }


def test_an_epoch_still_unattested_when_the_settlement_window_closes_fails_and_reopens_its_events(
    chain_api, attesters
):
    second = attesters[0]
    world = build_world(chain_api, attesters=[PLATFORM, second.address], threshold=2)
    world.traffic(world.publishers[0], impressions=700, received_at=closed_epoch_time())
    waiting = world.settle()
    assert waiting.awaiting and world.statuses() == {"billed": 700}

    assert world.keep().undone == [], "inside the window the keeper leaves it waiting"
    world.advance(38 * 86_400)  # past endTime (30 days) + settlementGrace (7 days)
    assert world.keep().undone == [waiting.epoch]

    assert stored(world, waiting.settlement_id).status_reason == (
        "the campaign's settlement window closed before its attestations were complete"
    )
    assert status_of(world, waiting.settlement_id) == "failed"
    assert world.statuses() == {"accepted": 700}, "nothing stays billed that no root will pay"
    assert world.api("GET", "/v1/settlements/awaiting-attestation", second).json() == []
    late = attest(world, second, waiting.settlement_id,
                  signature=signature_over(world, stored(world, waiting.settlement_id), custodial_key(world, second)))
    assert (late.status_code, code(late)) == (409, "not_awaiting_attestations")
    assert world.settle().skipped == Skipped.CLOSED
    assert world.keep().undone == [], "a second pass finds nothing to undo"
