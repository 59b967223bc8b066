"""From stored events to publishers' wallets on anvil: settle, commit, mirror, mature after the window,
pay out, prove an event on chain. Embedded (SQLite, tasks in-process) and production (PostgreSQL,
Redis frequency counters, `trustledger worker` on a Redis broker)."""

from __future__ import annotations

import json
import secrets

import pytest
from redis import Redis
from typer.testing import CliRunner

from backend.ads.components import build_ingest_components
from backend.campaigns.demo import DEMO_TERMS
from backend.cli import app as cli
from backend.settlement.payouts.keeper import MATURE_KIND
from backend.settlement.payouts.owed import PAYOUT_KIND
from backend.settlement.cosigning.commit import COMMIT_KIND
from backend.settlement.proofs.verification import verify_event_proof
from tests.ads.factories import BOT_AGENT, HASH_KEY, impression
from tests.api.support import BOTH_DATABASES
from tests.settlement.production import REDIS, Worker
from tests.settlement.support import EPOCH_SECONDS, WINDOW, build_world, closed_epoch_time, cpm, fee

CPC, CPA = DEMO_TERMS["pricing"]["cpc"], DEMO_TERMS["pricing"]["cpa"]


class Embedded:
    """Settle and keep in this process, as the embedded mode's eager tasks do."""

    def __init__(self, world):
        self.world = world

    def settle(self) -> None:
        self.world.settle()

    def keep(self) -> None:
        self.world.keep()

    def stop(self) -> None:
        pass


class Production:
    """Settle and keep as tasks run by a worker process, sent through Redis by name as beat sends them."""

    def __init__(self, world):
        self.world = world
        self.worker = Worker(world.settings)

    def settle(self) -> None:
        before = self.world.outbox_count(COMMIT_KIND)
        committed = lambda: self.world.outbox_count(COMMIT_KIND) > before  # noqa: E731
        self.worker.run_until("backend.settlement.tasks.settle_due", committed)

    def keep(self) -> None:
        before = self.world.outbox_count()
        self.worker.run_until("backend.settlement.tasks.keep", lambda: self.world.outbox_count() > before)

    def stop(self) -> None:
        self.worker.stop()


@pytest.fixture
def flow(request, chain_api):
    production = request.node.callspec.params["database_url"] == "postgres"
    world = build_world(chain_api)
    redis, prefix = Redis.from_url(REDIS), f"tl:test:settlement:{secrets.token_hex(4)}:"
    if production:
        world.ingestor = build_ingest_components(
            hash_key=HASH_KEY, epoch_seconds=EPOCH_SECONDS, redis=redis, key_prefix=prefix
        ).ingestor
    runner = Production(world) if production else Embedded(world)
    yield world, runner
    runner.stop()
    keys = list(redis.scan_iter(match=prefix + "*", count=1000))
    if keys:
        redis.delete(*keys)
    redis.close()


@BOTH_DATABASES
def test_events_are_settled_committed_matured_and_paid_to_the_base_unit(flow, tmp_path):
    world, runner = flow
    p1, p2 = world.publishers
    t = closed_epoch_time()
    world.traffic(p1, impressions=1_500, clicks=10, conversions=2, received_at=t)
    world.ingest(p2, [impression("bot-1", user_agent=BOT_AGENT)], received_at=t)
    world.traffic(p2, impressions=700, clicks=3, received_at=t + 1)
    expected = {p1.address: cpm(1_500) + 10 * CPC + 2 * CPA, p2.address: cpm(700) + 3 * CPC}
    assert expected == {p1.address: 5_500_000, p2.address: 1_550_000}

    runner.settle()
    assert world.statuses() == {"billed": 2_215, "filtered": 1}
    world.mine()
    (commit,) = world.commits()
    assert commit.args.epoch == (t + 1) // EPOCH_SECONDS
    assert (commit.args.cumulativeSpent, commit.args.eventCount) == (7_050_000, 2_215)

    assert world.settle().skipped == "no_events", "re-running the epoch finds nothing to settle"
    assert world.outbox_count(COMMIT_KIND) == 1 and len(world.commits()) == 1

    base = f"/v1/settlements/campaigns/{world.campaign['id']}"
    listing = world.client.get(base, headers=world.advertiser.headers).json()
    (row,) = listing["settlements"]
    assert (row["status"], row["cumulative_spent"], row["event_count"]) == ("committed", "7050000", 2_215)
    assert row["matures_at"] == row["committed_at"] + WINDOW
    assert row["commit"]["tx_hash"] == commit.transactionHash.to_0x_hex()

    world.keep()
    assert world.outbox_count(MATURE_KIND) == 0, "nothing matures inside the challenge window"
    world.advance(WINDOW)
    runner.keep()
    world.mine()
    assert world.escrow.functions.campaign(world.chain_id).call()[13] == commit.args.balanceRoot  # maturedRoot
    before = {p.address: world.balance(p.address) for p in (p1, p2)}
    runner.keep()
    world.mine()
    for publisher in (p1, p2):
        earned = expected[publisher.address]
        assert world.balance(publisher.address) - before[publisher.address] == earned - fee(earned)
        assert world.escrow.functions.settledOf(world.chain_id, publisher.address).call() == earned
    assert world.outbox_count(PAYOUT_KIND) == 2
    world.keep()
    assert world.outbox_count(PAYOUT_KIND) == 2, "a paid root is not paid again"

    payouts = world.client.get(f"/v1/payouts/{p1.participant_id}", headers=p1.headers).json()
    (line,) = payouts["campaigns"]
    assert (line["billed"], line["matured"], line["settled"], line["claimable"], line["pending"]) == (
        "5500000", "5500000", "5500000", "0", "0"
    )
    assert (line["paid"], line["fees"]) == (str(5_500_000 - 137_500), "137500")
    (paid,) = line["payouts"]
    receipt = world.w3.eth.get_transaction_receipt(paid["tx_hash"])
    assert receipt.status == 1 and paid["amount"] == str(5_362_500)
    report = world.client.get(f"{base}/report", headers=world.advertiser.headers).json()
    assert (report["billed"], report["spent"], report["committed_on_chain"], report["matured"]) == ("7050000",) * 4
    assert (report["paid"], report["fees"], report["claimable"]) == (str(7_050_000 - 176_250), "176250", "0")
    assert {p["publisher"]: p["billed"] for p in report["publishers"]} == {a: str(v) for a, v in expected.items()}

    click_id = world.event_ids(p1, "billed")[next(k for k in world.event_ids(p1) if "-c" in k)]
    proof = world.client.get(f"/v1/events/{click_id}/proof", headers=p1.headers)
    assert proof.status_code == 200, proof.text
    document = proof.json()
    assert document["on_chain"] and document["chain_status"] == "matured"
    assert (document["leaf"]["kind"], document["leaf"]["price"], document["epoch"]) == (1, str(CPC), commit.args.epoch)
    escrow = world.escrow.address
    assert verify_event_proof(document, world.w3, escrow, world.w3.eth.chain_id).verified
    assert world.client.get(f"/v1/events/{click_id}/proof", headers=p2.headers).status_code == 404

    path = tmp_path / "proof.json"
    path.write_text(json.dumps(document))
    options = ["--rpc-url", world.settings.rpc_url, "--manifest", str(world.settings.manifest_path)]
    result = CliRunner().invoke(cli, ["verify-event", str(path), *options])
    assert result.exit_code == 0, result.output
    document["leaf"]["price"] = str(CPC + 1)
    path.write_text(json.dumps(document))
    result = CliRunner().invoke(cli, ["verify-event", str(path), *options])
    assert result.exit_code == 1 and "verifyEvent" in result.output
