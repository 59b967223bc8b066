"""The campaigns part of `make demo`: onboard an advertiser and two publishers, mint test
tokens, create and fund a campaign, all through the API; return what to show.

``scripts/demo.py`` calls it with an HTTP client on a running API (or a TestClient)
and a ``settle`` callback that gets queued transactions mined and mirrored, e.g.
``InProcessChain(settings).settle``: the one sender drained in this process, then the
indexer synced to the head. Each run onboards new participants, so it can run again
on a kept demo chain and database.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlmodel import Session, select

from backend.chain.sender import drain_outbox
from backend.core.config import Settings
from backend.core.db import engine_for
from backend.db.migrate import upgrade_database
from backend.identity.api_keys import issue_key
from backend.identity.models import Participant
from backend.identity.participants import AdminExists, bootstrap_admin
from backend.identity.roles import Role
from indexer import Indexer, IndexerSettings

TOKEN = "tUSD"
UNIT = 10**6  # SettlementToken has 6 decimals
MINTED = 10_000 * UNIT
BUDGET = 5_000 * UNIT
FUNDED = 4_000 * UNIT
# Native currency for the custodial advertiser key on anvil, which charges gas (Besu runs free gas).
GAS_WEI = 10**17
DEMO_TERMS = {
    "version": 1,
    "pricing": {"cpm": 2 * UNIT, "cpc": 50_000, "cpa": 1 * UNIT},
    "conditions": {
        "attribution_window_days": 7,
        "conversion_bonus": {"target": 10, "amount": 5 * UNIT},
        "publisher_daily_cap": {"amount": 500 * UNIT},
    },
}


class InProcessChain:
    """Get queued transactions mined and mirrored without workers: drain the sender, sync the indexer."""

    def __init__(self, settings: Settings, *, timeout: float = 60.0):
        self.settings = settings
        self.timeout = timeout
        self.indexer = Indexer(
            IndexerSettings(
                database_url=settings.database_url, rpc_url=settings.rpc_url, manifest_path=settings.manifest_path
            )
        )

    def settle(self) -> None:
        drain_outbox(self.settings, timeout=self.timeout)
        self.indexer.sync_to_head(timeout=self.timeout)

    def close(self) -> None:
        self.indexer.close()


def demo_admin_key(settings: Settings, address: str | None) -> str:
    """An API key of the platform admin at `address` (the deployer): bootstrapped on the first run,
    a new key for the existing admin on later runs (keys are shown once, so none is kept).
    Migrates the database first."""
    upgrade_database(settings.database_url)
    with Session(engine_for(settings.database_url)) as session:
        try:
            _, issued = bootstrap_admin(session, display_name="Demo admin", address=address)
        except AdminExists:
            admin_bit = 1 << Role.ADMIN.bit
            admin = session.exec(select(Participant).where(Participant.roles.op("&")(admin_bit) != 0)).first()
            issued = issue_key(session, admin, Role.ADMIN, label="demo")
        session.commit()
        return issued.secret


@dataclass(frozen=True)
class DemoParticipant:
    name: str
    role: str
    participant_id: str
    address: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


@dataclass
class CampaignDemo:
    advertiser: DemoParticipant
    publishers: list[DemoParticipant]
    token: dict[str, Any]
    campaign: dict[str, Any]
    report: dict[str, Any]
    balances: list[dict[str, str]]  # rows: participant, role, address, wallet, in escrow
    steps: list[str] = field(default_factory=list)


class DemoFailed(RuntimeError):
    """An API call of the demo did not answer as expected."""


def _ok(response: httpx.Response, *expected: int) -> dict | list:
    if response.status_code not in expected:
        request = response.request
        raise DemoFailed(f"{request.method} {request.url.path}: {response.status_code} {response.text}")
    return response.json()


def _idempotent(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Idempotency-Key": secrets.token_hex(12)}


def _onboard(client: httpx.Client, admin: dict[str, str], name: str, role: Role) -> DemoParticipant:
    application = {"display_name": name, "requested_roles": [role.value], "custody_mode": "custodial"}
    created = _ok(client.post("/v1/participants", json=application), 201)
    participant = created["participant"]
    expiry = (datetime.now(UTC) + timedelta(days=365)).isoformat()
    _ok(
        client.post(
            f"/v1/participants/{participant['id']}/approve",
            json={"roles": [role.value], "kyc_expires_at": expiry},
            headers=_idempotent(admin),
        ),
        200,
    )
    key = created["api_keys"][0]["key"]
    return DemoParticipant(name, role.value, participant["id"], participant["chain_address"], key)


def run_campaign_demo(
    client: httpx.Client,
    *,
    admin_key: str,
    settle: Callable[[], None],
    progress: Callable[[str], None] = lambda _message: None,
) -> CampaignDemo:
    """Onboard, mint, create and fund through the API at `client`; `settle` after each step that queues
    transactions. Raises DemoFailed on any unexpected answer."""
    admin = {"Authorization": f"Bearer {admin_key}"}
    steps: list[str] = []

    def step(message: str) -> None:
        steps.append(message)
        progress(message)

    run = secrets.token_hex(2)
    advertiser = _onboard(client, admin, f"Demo Advertiser {run}", Role.ADVERTISER)
    publishers = [_onboard(client, admin, f"Demo Publisher {n} {run}", Role.PUBLISHER) for n in (1, 2)]
    settle()
    step(f"onboarded and approved on chain: {advertiser.name}, {publishers[0].name}, {publishers[1].name}")

    token = next((t for t in _ok(client.get("/v1/tokens"), 200) if t["symbol"] == TOKEN and t["allowed"]), None)
    if token is None:
        raise DemoFailed(f"{TOKEN} is not on the escrow's allowlist; run the deployment first")
    _ok(
        client.post(
            f"/v1/tokens/{TOKEN}/mint",
            json={"participant_id": advertiser.participant_id, "amount": MINTED, "gas_wei": GAS_WEI},
            headers=_idempotent(admin),
        ),
        202,
    )
    settle()
    step(f"faucet minted {MINTED // UNIT:,} {TOKEN} to the advertiser (plus gas for its custodial key)")

    # A year ahead, so a kept demo chain whose clock earlier runs moved forward still takes it.
    ends_at = (datetime.now(UTC) + timedelta(days=365)).isoformat()
    body = {"name": f"Spring launch {run}", "token": TOKEN, "budget": BUDGET, "terms": DEMO_TERMS, "ends_at": ends_at}
    campaign = _ok(client.post("/v1/campaigns", json=body, headers=_idempotent(advertiser.headers)), 201)
    step(f"campaign created: terms {campaign['terms']['cid']} stored, createCampaign queued")
    settle()
    campaign = _ok(client.get(f"/v1/campaigns/{campaign['id']}", headers=advertiser.headers), 200)
    if campaign["status"] != "unfunded":
        raise DemoFailed(f"campaign is {campaign['status']} after creation: {campaign}")
    step(f"campaign {campaign['chain']['campaign_id']} on chain, terms hash {campaign['terms']['terms_hash'][:18]}…")

    fund_path = f"/v1/campaigns/{campaign['id']}/fund"
    funding = _ok(client.post(fund_path, json={"amount": str(FUNDED)}, headers=_idempotent(advertiser.headers)), 202)
    step(f"fund {FUNDED // UNIT:,} {TOKEN}: {', '.join(t['kind'] for t in funding['transactions'])} queued")
    settle()
    campaign = _ok(client.get(f"/v1/campaigns/{campaign['id']}", headers=advertiser.headers), 200)
    report = _ok(client.get(f"/v1/campaigns/{campaign['id']}/report", headers=advertiser.headers), 200)
    step(f"campaign {campaign['status']}: deposit {int(campaign['deposit']) // UNIT:,} {TOKEN} in escrow")

    balances = []
    for who in (advertiser, *publishers):
        wallet = _ok(client.get(f"/v1/tokens/balances/{who.participant_id}", headers=who.headers), 200)
        held = next(row["balance"] for row in wallet if row["symbol"] == TOKEN)
        escrowed = campaign["deposit"] if who is advertiser else "0"
        balances.append(
            {"participant": who.name, "role": who.role, "address": who.address, "wallet": held, "in_escrow": escrowed}
        )
    return CampaignDemo(advertiser, publishers, token, campaign, report, balances, steps)
