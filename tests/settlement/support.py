"""A funded campaign on anvil with its advertiser, two publishers and an auditor, all made through
the API; events stored through the ads ingest path; settle, keeper and chain steps on demand."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account
from sqlalchemy import text
from sqlmodel import Session, func, select
from web3 import Web3

from backend.ads.ingestion import IngestReport, Ingestor
from backend.campaigns.terms import parse_terms
from backend.campaigns.demo import DEMO_TERMS, GAS_WEI, DemoParticipant
from backend.chain.deploy import deploy_all
from backend.chain.local_node import dev_private_keys
from backend.chain.outbox import OutboxTransaction
from backend.core.config import Settings
from backend.core.db import engine_for
from backend.identity.roles import Role
from backend.keys import MasterKey
from backend.settlement.payouts.keeper import KeeperResult
from backend.settlement.passes import keep_once, settle_once
from backend.settlement.epochs.settle import SettleResult
from contracts import load_artifact
from contracts.deployment import DeploymentManifest
from tests.ads.factories import campaign as campaign_state, click, conversion, impression, ingest
from tests.api.support import BASE_URL
from tests.campaigns.support import ChainApi, keyed
from tests.factories import increase_time

_KEYS = dev_private_keys(20)
ADMIN_KEY, RELAYER_KEY, ATTESTER_KEY = _KEYS[0], _KEYS[1], _KEYS[2]
UNIT = 10**6
EPOCH_SECONDS = 30
WINDOW = 3_600  # the escrow's minimum challenge window
FEE_BPS = 250  # deploy_all's default platform fee
BOND_WEI = 10**18


def fee(amount: int) -> int:
    return amount * FEE_BPS // 10_000


def cpm(impressions: int, price: int = DEMO_TERMS["pricing"]["cpm"]) -> int:
    return price * impressions // 1000


def settings_for(database_url: str, tmp_path, rpc_url: str, **changes) -> Settings:
    values: dict[str, Any] = dict(
        environment="test",
        database_url=database_url,
        rpc_url=rpc_url,
        manifest_path=tmp_path / "deployment.json",
        deployer_private_key=ADMIN_KEY,
        relayer_private_key=RELAYER_KEY,
        attester_private_key=ATTESTER_KEY,
        master_key=MasterKey.generate().to_base64(),
        public_base_url=BASE_URL,
        content_store_url=str(tmp_path / "content"),
        epoch_seconds=EPOCH_SECONDS,
    )
    values.update(changes)
    return Settings(**values)


def deploy(rpc_url: str, settings: Settings) -> DeploymentManifest:
    return deploy_all(
        rpc_url, Account.from_key(ADMIN_KEY), settings.manifest_path, attester=Account.from_key(ATTESTER_KEY).address
    )


@dataclass
class World:
    chain_api: ChainApi
    advertiser: DemoParticipant
    publishers: list[DemoParticipant]
    auditor: DemoParticipant
    campaign: dict
    escrow: Any
    token: Any
    ingestor: Ingestor | None = None  # None: the embedded mode's (in-process frequency counters)
    _ips: Iterator[int] = field(default_factory=lambda: iter(range(1, 10**6)))

    @property
    def settings(self) -> Settings:
        return self.chain_api.settings

    @property
    def client(self):
        return self.chain_api.client

    @property
    def w3(self) -> Web3:
        return self.chain_api.w3

    @property
    def chain_id(self) -> int:
        return self.campaign["chain"]["campaign_id"]

    @property
    def engine(self):
        return engine_for(self.settings.database_url)

    # ---- events ----

    def _ip(self) -> str:
        n = next(self._ips)
        return f"81.2.{n // 250}.{n % 250 + 1}"

    def ingest(self, publisher: DemoParticipant, events: list[dict], *, received_at: int) -> IngestReport:
        """Store a batch through the ads ingest path (filters on), as POST /v1/events would."""
        state = campaign_state(self.chain_id, deposit=10**15, terms=parse_terms(DEMO_TERMS))
        for event in events:
            event["campaign_id"] = self.chain_id
            event["ip"] = self._ip()
            event["timestamp"] = received_at - 5
        return ingest(
            self.engine, events, campaigns={self.chain_id: state}, publisher=publisher.address, received_at=received_at,
            using=self.ingestor,
        )

    def traffic(self, publisher: DemoParticipant, *, impressions: int, clicks: int = 0, conversions: int = 0,
                received_at: int, tag: str | None = None) -> IngestReport:
        """Impressions, clicks on the first of them, conversions of the first clicks."""
        tag = tag or secrets.token_hex(3)
        events = [impression(f"{tag}-i{n}") for n in range(impressions)]
        events += [click(f"{tag}-c{n}", f"{tag}-i{n}", f"{tag}-k{n}") for n in range(clicks)]
        report = self.ingest(publisher, events, received_at=received_at)
        if conversions:
            report_conversions = self.ingest(
                publisher, [conversion(f"{tag}-v{n}", f"{tag}-k{n}") for n in range(conversions)],
                received_at=received_at + 1,
            )
            assert not report_conversions.filtered, report_conversions.filtered
        return report

    def event_ids(self, publisher: DemoParticipant, status: str | None = None) -> dict[str, int]:
        """client event id -> stored id, for the publisher's events (of one status)."""
        query = "SELECT client_event_id, id FROM ad_events WHERE publisher = :p"
        params: dict[str, Any] = {"p": publisher.address}
        if status is not None:
            query += " AND status = :s"
            params["s"] = status
        with self.engine.connect() as connection:
            return dict(connection.execute(text(query), params).all())

    def statuses(self) -> dict[str, int]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT status, count(*) FROM ad_events WHERE campaign_id = :c GROUP BY status"),
                {"c": self.chain_id},
            ).all()
        return dict(rows)

    # ---- settlement steps ----

    def settle(self, now: int | None = None) -> SettleResult:
        return settle_once(self.settings, self.chain_id, now=now)

    def keep(self) -> KeeperResult:
        (result,) = keep_once(self.settings, [self.chain_id])
        return result

    def mine(self) -> None:
        """Send every queued transaction, wait for receipts, mirror the chain up to its head."""
        self.chain_api.settle()

    def open_challenge(self) -> SettleResult:
        """The first publisher's 1,000 impressions of a closed epoch settled and committed, then that
        epoch challenged by the advertiser and the challenge mined and mirrored: the epoch settled."""
        self.traffic(self.publishers[0], impressions=1_000, received_at=closed_epoch_time() - 60)
        disputed = self.settle()
        self.mine()
        opened = self.api("POST", "/v1/challenges", self.advertiser,
                          json={"campaign_id": self.campaign["id"], "epoch": disputed.epoch})
        assert opened.status_code == 202, opened.text
        self.mine()
        return disputed

    def advance(self, seconds: int) -> None:
        increase_time(self.w3, seconds)
        self.mine()

    def outbox_count(self, kind: str | None = None) -> int:
        with Session(self.engine) as session:
            statement = select(func.count()).select_from(OutboxTransaction)
            if kind is not None:
                statement = statement.where(OutboxTransaction.kind == kind)
            return session.exec(statement).one()

    # ---- chain ----

    def balance(self, address: str) -> int:
        return self.token.functions.balanceOf(address).call()

    def commits(self) -> list:
        """SettlementCommitted logs of this campaign on chain."""
        return list(self.escrow.events.SettlementCommitted().get_logs(
            from_block=0, argument_filters={"campaignId": self.chain_id}
        ))

    def fund_gas(self, address: str) -> None:
        self.w3.provider.make_request("anvil_setBalance", [address, hex(BOND_WEI)])

    def api(self, method: str, path: str, who: DemoParticipant | None = None, headers: dict | None = None, **kwargs):
        headers = headers if headers is not None else keyed(who.headers)
        return self.client.request(method, path, headers=headers, **kwargs)


def build_world(
    chain_api: ChainApi, *, budget: int = 1_000 * UNIT, terms: dict | None = None, **campaign_changes
) -> World:
    """`campaign_changes`: more fields of POST /v1/campaigns (attesters, threshold, verifier)."""
    admin = chain_api.admin()
    advertiser = chain_api.onboard(admin, Role.ADVERTISER, "advertiser")
    publishers = [chain_api.onboard(admin, Role.PUBLISHER, f"publisher {n}") for n in (1, 2)]
    auditor = chain_api.onboard(admin, Role.AUDITOR, "auditor")
    chain_api.settle()
    chain_api.mint(admin, advertiser.address, 5_000 * UNIT, gas_wei=GAS_WEI)
    chain_api.settle()
    created = chain_api.create(
        advertiser, budget=budget, challenge_window=WINDOW, terms=terms or DEMO_TERMS, **campaign_changes
    )
    funded = chain_api.client.post(
        f"/v1/campaigns/{created['id']}/fund", json={"amount": budget}, headers=keyed(advertiser.headers)
    )
    assert funded.status_code == 202, funded.text
    chain_api.settle()
    campaign = chain_api.get(advertiser, created["id"])
    assert campaign["status"] == "active", campaign
    manifest = DeploymentManifest.load(chain_api.settings.manifest_path)
    escrow_abi = load_artifact("CampaignEscrow").abi
    escrow = chain_api.w3.eth.contract(address=manifest.address("CampaignEscrow"), abi=escrow_abi)
    token = chain_api.w3.eth.contract(address=campaign["token"]["address"], abi=load_artifact("SettlementToken").abi)
    return World(chain_api, advertiser, publishers, auditor, campaign, escrow, token)


def closed_epoch_time(now: float | None = None) -> int:
    """A receive time two epochs back: its epoch has closed by now."""
    return int(now or time.time()) - 2 * EPOCH_SECONDS
