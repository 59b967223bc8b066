"""Helpers of the campaign tests: onboarding through the API, settling the chain, requests with keys."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from eth_account import Account
from web3 import Web3

from backend.campaigns.demo import DEMO_TERMS, GAS_WEI, InProcessChain, DemoParticipant
from backend.chain.local_node import dev_private_keys
from backend.identity.roles import Role
from tests.api.conftest import ApiHarness
from tests.factories import now

_KEYS = dev_private_keys(20)
ADMIN_KEY, ATTESTER_KEY = _KEYS[0], _KEYS[2]
WALLET_KEY = _KEYS[7]  # a non-custodial advertiser's own wallet (funded by anvil)
UNIT = 10**6
TOKEN = "tUSD"


def keyed(headers: dict[str, str], key: str | None = None) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key or secrets.token_hex(8)}


@dataclass
class ChainApi:
    api: ApiHarness
    chain: InProcessChain
    w3: Web3
    _admin: dict[str, str] | None = None

    @property
    def client(self):
        return self.api.client

    @property
    def settings(self):
        return self.api.settings

    def settle(self) -> None:
        self.chain.settle()

    def admin(self) -> dict[str, str]:
        """Headers of the platform admin, whose address is the deployer's (made on first use)."""
        if self._admin is None:
            identity = self.api.identity(Role.ADMIN, Role.KYC_OFFICER, address=Account.from_key(ADMIN_KEY).address)
            self._admin = identity.headers
        return self._admin

    def onboard(self, admin: dict[str, str], role: Role, name: str = "participant") -> DemoParticipant:
        """A custodial participant applied and approved through the API (settle() puts it on chain)."""
        created = self.client.post(
            "/v1/participants", json={"display_name": name, "requested_roles": [role.value], "custody_mode": "custodial"}
        )
        assert created.status_code == 201, created.text
        participant = created.json()["participant"]
        expiry = (datetime.now(UTC) + timedelta(days=365)).isoformat()
        approved = self.client.post(
            f"/v1/participants/{participant['id']}/approve",
            json={"roles": [role.value], "kyc_expires_at": expiry},
            headers=keyed(admin),
        )
        assert approved.status_code == 200, approved.text
        return DemoParticipant(name, role.value, participant["id"], participant["chain_address"], created.json()["api_keys"][0]["key"])

    def mint(self, admin: dict[str, str], address: str, amount: int, gas_wei: int = GAS_WEI) -> None:
        response = self.client.post(
            f"/v1/tokens/{TOKEN}/mint", json={"address": address, "amount": amount, "gas_wei": gas_wei}, headers=keyed(admin)
        )
        assert response.status_code == 202, response.text

    def campaign_body(self, **changes) -> dict:
        body = {
            "name": "test campaign",
            "token": TOKEN,
            "budget": 1_000 * UNIT,
            "terms": DEMO_TERMS,
            "ends_at": datetime.fromtimestamp(now(self.w3) + 30 * 86_400, UTC).isoformat(),
        }
        body.update(changes)
        return body

    def funded_advertiser(self, tokens: int = 5_000 * UNIT) -> DemoParticipant:
        admin = self.admin()
        advertiser = self.onboard(admin, Role.ADVERTISER, "advertiser")
        self.settle()
        self.mint(admin, advertiser.address, tokens)
        self.settle()
        return advertiser

    def create(self, advertiser: DemoParticipant, **changes) -> dict:
        response = self.client.post("/v1/campaigns", json=self.campaign_body(**changes), headers=keyed(advertiser.headers))
        assert response.status_code == 201, response.text
        self.settle()
        return self.get(advertiser, response.json()["id"])

    def get(self, who: DemoParticipant, campaign_id: str) -> dict:
        response = self.client.get(f"/v1/campaigns/{campaign_id}", headers=who.headers)
        assert response.status_code == 200, response.text
        return response.json()


def wallet() -> Account:
    return Account.from_key(WALLET_KEY)
