"""Gas of one campaign-day settled by the real settlement code, against one transaction per event.

The day: 1,000 publishers, an epoch every 5 minutes (288 commits), impressions spread evenly
over the day with clicks at 0.2% of impressions and conversions at 5% of clicks, then one
mature and one payout per publisher. Each epoch's events are generated in memory (no API,
no event rows) and go through ``backend.settlement.epochs.pricing.build_epoch`` as the settle task
does: pricing on cumulative tallies, every event leaf and both trees, then the attester's
signature; commits, the mature and the payouts (proofs from the real balance tree) go to
the outbox and through the one sender to anvil, whose receipts give the gas.

The baseline records every billed event in its own transaction on a minimal contract
(``contracts/test/PerEventRecorder.sol``: count and emit); a sample of 200 is measured and
scaled to the day. Runs the 10M day first, on publishers that hold nothing yet (their
first payouts are the dearest), then the 1M day on a second campaign.

Prints gas per 1,000 impressions for both days and, as the last line,
``settlement_gas_ratio: N x`` for the 10M day (goal >= 2,000).
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from eth_account import Account  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402
from web3 import Web3  # noqa: E402

from backend.campaigns.kinds import EventKind  # noqa: E402
from backend.ads.pricing import BillableEvent, PublisherTally  # noqa: E402
from backend.campaigns.terms import parse_terms  # noqa: E402
from backend.campaigns.chain import escrow_call  # noqa: E402
from backend.chain.local_node import LocalNode, dev_private_keys  # noqa: E402
from backend.chain.outbox import OutboxStatus, OutboxTransaction, enqueue  # noqa: E402
from backend.chain.sender import Sender, SenderPolicy, SenderThread  # noqa: E402
from backend.core.config import Settings  # noqa: E402
from backend.core.db import engine_for  # noqa: E402
from backend.db.migrate import upgrade_database  # noqa: E402
from backend.settlement.encoding.attestation import sign  # noqa: E402
from backend.settlement.onchain.writes import SettlementChain  # noqa: E402
from backend.settlement.epochs.pricing import EpochSettlement, build_epoch  # noqa: E402
from backend.settlement.payouts.keeper import MATURE_KIND  # noqa: E402
from backend.settlement.encoding.leaf_hashing import balance_leaf_hash  # noqa: E402
from backend.settlement.payouts.owed import PAYOUT_KIND, Owed, queue_payout  # noqa: E402
from backend.settlement.encoding.record import SettlementRecord  # noqa: E402
from backend.settlement.cosigning.commit import COMMIT_KIND  # noqa: E402
from contracts import compile_contracts, load_artifact  # noqa: E402
from contracts.deployment import DeployedContract, DeploymentManifest  # noqa: E402

PUBLISHERS = 1_000
EPOCH_SECONDS = 300
EPOCHS = 86_400 // EPOCH_SECONDS
CLICK_EVERY = 500  # 0.2% of impressions
CONVERSION_EVERY = 20  # 5% of clicks
BASELINE_SAMPLE = 200
UNIT = 10**6
WINDOW = 3_600
TERMS = parse_terms({"version": 1, "pricing": {"cpm": 2 * UNIT, "cpc": 50_000, "cpa": 1 * UNIT}})
RECORD_KIND = "PerEventRecorder.record"
_ADVERTISER, _PUBLISHER, _ATTESTER = 0, 1, 2  # IParticipantRegistry.Role
_YEAR = 365 * 86_400


@dataclass(frozen=True)
class Day:
    impressions: int
    clicks: int
    conversions: int
    commits: int
    commit_gas: int
    mature_gas: int
    payouts: int
    payout_gas: int
    build_seconds: float

    @property
    def events(self) -> int:
        return self.impressions + self.clicks + self.conversions

    @property
    def gas(self) -> int:
        return self.commit_gas + self.mature_gas + self.payout_gas

    def per_thousand(self) -> float:
        return self.gas * 1_000 / self.impressions


class Bench:
    """anvil, the contracts, 1,000 onboarded publishers, and the sender on a SQLite outbox."""

    def __init__(self, rpc_url: str, workdir: Path):
        keys = dev_private_keys(4)
        self.w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 120}))
        self.admin = Account.from_key(keys[0]).address
        self.attester_key = keys[2]
        database_url = f"sqlite:///{workdir / 'bench.db'}"
        upgrade_database(database_url)
        self.registry = self._deploy("ParticipantRegistry", self.admin)
        self.token = self._deploy("SettlementToken", "Bench USD", "bUSD", self.admin)
        self.escrow = self._deploy("CampaignEscrow", self.registry.address)
        self.recorder = self._deploy("PerEventRecorder")
        manifest = DeploymentManifest(chain_id=self.w3.eth.chain_id)
        for name, contract in (("ParticipantRegistry", self.registry), ("CampaignEscrow", self.escrow)):
            manifest.contracts[name] = DeployedContract(name, contract.address, 0, "0x" + "00" * 32, "")
        manifest.save(workdir / "deployment.json")
        self.settings = Settings(
            environment="test", database_url=database_url, rpc_url=rpc_url, manifest_path=workdir / "deployment.json",
            deployer_private_key=keys[0], relayer_private_key=keys[1], attester_private_key=keys[2],
        )
        self.chain = SettlementChain.from_settings(self.settings)
        self.engine = engine_for(database_url)
        # Sends while the next epochs are built, as the worker's sender does beside the settle task.
        # anvil mines a block per transaction: "stuck after 20 blocks" would flag a healthy backlog.
        self.sender = Sender(self.settings, policy=SenderPolicy(stuck_after_blocks=10**9, stuck_after_seconds=600))
        self.sender_thread = SenderThread(self.sender, interval=0.2)
        self.sender_thread.start()
        self.publishers = [Account.create().address for _ in range(PUBLISHERS)]
        self._call(self.escrow.functions.setTokenConfig(self.token.address, True, 250, 100 * UNIT))
        for account, role in ((self.admin, _ADVERTISER), (self.chain.attester.address, _ATTESTER)):
            self._call(self.registry.functions.setRoles(account, 1 << role))
            self._call(self.registry.functions.setKyc(account, self._now() + _YEAR))
        expiry = self._now() + _YEAR
        with Session(self.engine) as session:
            for publisher in self.publishers:
                for name, args in (("setRoles", [publisher, 1 << _PUBLISHER]), ("setKyc", [publisher, expiry])):
                    enqueue(session, sender=self.admin, to=self.registry.address, kind=f"ParticipantRegistry.{name}",
                            data=self.registry.encode_abi(name, args=args))
            session.commit()
        self._drain()

    # ---- one day ----

    def run_day(self, impressions_per_day: int) -> Day:
        budget = impressions_per_day * 3 * UNIT // 1_000  # cpm 2 plus clicks and conversions, with room
        campaign_id = self._campaign(budget)
        tallies: dict[str, PublisherTally] = {}
        spent, counters = 0, _Counters()
        first_epoch = self._now() // EPOCH_SECONDS
        build_seconds = 0.0
        built: EpochSettlement | None = None
        for k in range(EPOCHS):
            count = impressions_per_day * (k + 1) // EPOCHS - impressions_per_day * k // EPOCHS
            events = self._epoch_events((first_epoch + k) * EPOCH_SECONDS, count, counters)
            event_hashes = _random_hashes([e.sequence for e in events], seed=k)
            started = time.perf_counter()
            built = build_epoch(
                campaign_id=campaign_id, epoch=first_epoch + k, revision=0,  # a new campaign: never challenged
                terms=TERMS, events=events, event_hashes=event_hashes, tallies=tallies, cumulative_spent=spent,
                deposit=budget,
            )
            attestation = built.attestation()
            signatures = [sign(attestation, self.attester_key, self.chain.chain_id, self.chain.escrow)]
            build_seconds += time.perf_counter() - started
            if built.billed_count != len(events):
                raise RuntimeError(f"epoch {k}: {len(events) - built.billed_count} events not billed")
            tallies, spent = built.pricing.tallies, built.pricing.cumulative_spent
            with Session(self.engine) as session:
                enqueue(session, sender=self.chain.relayer, to=self.chain.escrow, kind=COMMIT_KIND,
                        data=escrow_call("commitSettlement", *attestation.commit_args(signatures)),
                        reference=f"bench:{campaign_id}")
                session.commit()
        self._drain()
        commit_gas, commits, last_block = self._gas(COMMIT_KIND, f"bench:{campaign_id}")
        assert built is not None and commits == EPOCHS

        self.w3.provider.make_request("evm_increaseTime", [WINDOW + 1])
        self.w3.provider.make_request("evm_mine", [])
        record = SettlementRecord(
            built.events_tree.root, built.balance_tree.root, spent, self.w3.eth.get_block(last_block)["timestamp"], 0
        )
        with Session(self.engine) as session:
            enqueue(session, sender=self.chain.relayer, to=self.chain.escrow, kind=MATURE_KIND,
                    data=escrow_call("matureSettlement", campaign_id, first_epoch + EPOCHS - 1, record.as_tuple()),
                    reference=f"bench:{campaign_id}")
            session.commit()
        self._drain()
        mature_gas, _, _ = self._gas(MATURE_KIND, f"bench:{campaign_id}")

        with Session(self.engine) as session:
            for publisher, earned in built.balances.items():
                proof = built.balance_tree.proof(balance_leaf_hash(campaign_id, publisher, earned))
                queue_payout(session, self.chain, campaign_id, Owed(publisher, earned, 0, proof))
            session.commit()
        self._drain()
        payout_gas, payouts, _ = self._gas(PAYOUT_KIND, None, campaign_id)
        settled = sum(self.escrow.functions.settledOf(campaign_id, p).call() for p in self.publishers)
        if settled != spent:
            raise RuntimeError(f"payouts settled {settled}, the day spent {spent}")
        return Day(
            impressions_per_day, counters.clicks, counters.conversions, commits, commit_gas, mature_gas, payouts,
            payout_gas, build_seconds,
        )

    def _epoch_events(self, start: int, impressions: int, counters: "_Counters") -> list[BillableEvent]:
        """The epoch's impressions in time order, publishers in turn; every 500th impression is followed
        by a click on it, every 20th click by a conversion attributed to it."""
        events: list[BillableEvent] = []
        publishers = self.publishers
        impression = EventKind.IMPRESSION
        for i in range(impressions):
            at = start + i * EPOCH_SECONDS // impressions
            publisher = publishers[counters.impressions % PUBLISHERS]
            events.append(BillableEvent(counters.next(), publisher, impression, at, at))
            counters.impressions += 1
            if counters.impressions % CLICK_EVERY == 0:
                events.append(BillableEvent(counters.next(), publisher, EventKind.CLICK, at, at))
                counters.clicks += 1
                if counters.clicks % CONVERSION_EVERY == 0:
                    events.append(BillableEvent(counters.next(), publisher, EventKind.CONVERSION, at, at, click_at=at))
                    counters.conversions += 1
        return events

    # ---- baseline ----

    def per_event_gas(self) -> float:
        """Average gas of BASELINE_SAMPLE record() transactions, one event each."""
        rng = random.Random(7)
        with Session(self.engine) as session:
            for n in range(BASELINE_SAMPLE):
                args = [1, rng.randbytes(32), self.publishers[n % PUBLISHERS], 0, 2_000]
                enqueue(session, sender=self.chain.relayer, to=self.recorder.address, kind=RECORD_KIND,
                        data=self.recorder.encode_abi("record", args=args))
            session.commit()
        self._drain()
        gas, count, _ = self._gas(RECORD_KIND, None)
        assert count == BASELINE_SAMPLE and self.recorder.functions.recorded().call() == BASELINE_SAMPLE
        return gas / count

    # ---- plumbing ----

    def _campaign(self, budget: int) -> int:
        self._call(self.token.functions.mint(self.admin, budget))
        self._call(self.token.functions.approve(self.escrow.address, budget))
        self._call(self.escrow.functions.createCampaign(
            self.token.address, b"\x11" * 32, [self.chain.attester.address], 1, "0x" + "00" * 20, WINDOW,
            self._now() + 30 * 86_400,
        ))
        campaign_id = self.escrow.functions.campaignCount().call()
        self._call(self.escrow.functions.fund(campaign_id, budget))
        return campaign_id

    def _gas(self, kind: str, reference: str | None, campaign_id: int | None = None) -> tuple[int, int, int]:
        """(gas used, transactions, newest block) of the mined rows of `kind`; every row must be mined."""
        with Session(self.engine) as session:
            statement = select(OutboxTransaction).where(OutboxTransaction.kind == kind)
            if reference is not None:
                statement = statement.where(OutboxTransaction.reference == reference)
            if campaign_id is not None:
                statement = statement.where(
                    col(OutboxTransaction.reference).like(f"payout:{self.chain.escrow}:{campaign_id}:%")
                )
            rows = session.exec(statement).all()
            failed = [row for row in rows if row.status != OutboxStatus.MINED]
            if failed:
                raise RuntimeError(f"{len(failed)} {kind} transactions not mined: {failed[0].error}")
            return sum(row.gas_used for row in rows), len(rows), max(row.block_number for row in rows)

    def close(self) -> None:
        self.sender_thread.stop()
        self.sender.close()

    def _drain(self) -> None:
        self.sender.drain(timeout=600)

    def _deploy(self, name: str, *args):
        artifact = load_artifact(name)
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        receipt = self.w3.eth.wait_for_transaction_receipt(factory.constructor(*args).transact({"from": self.admin}))
        return self.w3.eth.contract(address=receipt.contractAddress, abi=artifact.abi)

    def _call(self, fn) -> None:
        receipt = self.w3.eth.wait_for_transaction_receipt(fn.transact({"from": self.admin}))
        if receipt.status != 1:
            raise RuntimeError(f"{fn.fn_name} failed")

    def _now(self) -> int:
        return self.w3.eth.get_block("latest")["timestamp"]


class _Counters:
    """Running counts of the day's events; ``next()`` numbers events in the order they are received."""

    def __init__(self):
        self.sequence = self.impressions = self.clicks = self.conversions = 0

    def next(self) -> int:
        self.sequence += 1
        return self.sequence


def _random_hashes(sequences: list[int], *, seed: int) -> dict[int, bytes]:
    """Synthetic eventHashes: 32 random bytes each (the real ones are keccak256 of the event record)."""
    blob = random.Random(seed).randbytes(32 * len(sequences))
    return {sequence: blob[32 * i: 32 * i + 32] for i, sequence in enumerate(sequences)}


def _report(label: str, day: Day) -> None:
    print(f"{label}: {day.impressions:,} impressions + {day.clicks:,} clicks + {day.conversions:,} conversions billed "
          f"by {PUBLISHERS:,} publishers; built in {day.build_seconds:.0f} s")
    print(f"{label}: {day.commits} commits {day.commit_gas:,} gas (avg {day.commit_gas // day.commits:,}), "
          f"mature {day.mature_gas:,}, {day.payouts} payouts {day.payout_gas:,} gas "
          f"(avg {day.payout_gas // day.payouts:,}); total {day.gas:,} gas")


def main() -> None:
    started = time.monotonic()
    compile_contracts()
    with LocalNode() as node, tempfile.TemporaryDirectory() as workdir:
        bench = Bench(node.url, Path(workdir))
        try:
            ten = bench.run_day(10_000_000)
            one = bench.run_day(1_000_000)
            per_event = bench.per_event_gas()
        finally:
            bench.close()
    _report("day_10M", ten)
    _report("day_1M", one)
    print(f"per_event_gas: {per_event:,.0f} gas (average of {BASELINE_SAMPLE} record transactions)")
    for label, day in (("1M", one), ("10M", ten)):
        baseline = per_event * day.events * 1_000 / day.impressions
        print(f"gas_per_1000_impressions_{label}: settlement {day.per_thousand():,.0f}, "
              f"one transaction per event {baseline:,.0f} (ratio {baseline / day.per_thousand():,.0f} x)")
    print(f"elapsed: {time.monotonic() - started:.0f} s")
    print(f"settlement_gas_ratio: {per_event * ten.events / ten.gas:,.0f} x")


if __name__ == "__main__":
    main()
