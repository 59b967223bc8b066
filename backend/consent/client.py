"""A reference consumer client over the HTTP API: what a wallet app does for its user.

It signs in with the wallet (SIWE), derives pairwise keys locally, signs consents with
``eth_signTypedData_v4`` encoding, withdraws, sweeps, exports and erases. The wallet key
and the pairwise keys never leave it; the API sees signatures only. The demo and the
tests drive the API through it; any httpx-compatible client works (``httpx.Client``,
FastAPI's ``TestClient``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount

from backend.consent.erasure import ERASURE_STATEMENT
from backend.consent.pairwise import key_from_signature, pairwise_message
from backend.consent.typed_data import Sweep, Withdrawal, sign, typed_data
from backend.identity.siwe import SiweMessage

SIGN_IN_STATEMENT = "Sign in to trustledger to manage your data and consents."


class ApiCallFailed(RuntimeError):
    def __init__(self, response):
        super().__init__(f"{response.request.method} {response.request.url} -> {response.status_code}: {response.text}")
        self.response = response


def checked(response, *expected: int):
    if response.status_code not in (expected or (200,)):
        raise ApiCallFailed(response)
    return response


class ConsumerClient:
    def __init__(self, http, wallet: LocalAccount, *, clock: Callable[[], float] = time.time):
        self.http = http
        self.wallet = wallet
        self.clock = clock
        self.token: str | None = None
        self.did: str | None = None
        self._pairwise: dict[str, LocalAccount] = {}
        domain = checked(http.get("/v1/consents/domain")).json()["domain"]
        self.chain_id: int = domain["chainId"]
        self.registry: str = domain["verifyingContract"]

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Subject-Session": self.token or ""}

    def signed_siwe(self, statement: str) -> dict:
        """A fresh EIP-4361 message with `statement`, signed by the wallet: {"message", "signature"}."""
        issued = checked(self.http.post("/v1/auth/nonce"), 201).json()
        message = SiweMessage(
            domain=issued["domain"],
            scheme=issued["uri"].split("://", 1)[0],
            address=self.wallet.address,
            uri=issued["uri"],
            chain_id=issued["chain_id"],
            nonce=issued["nonce"],
            issued_at=datetime.fromtimestamp(self.clock(), UTC),
            statement=statement,
        )
        text = message.to_text()
        return {"message": text, "signature": self.wallet.sign_message(encode_defunct(text=text)).signature.to_0x_hex()}

    def sign_in(self) -> str:
        body = checked(self.http.post("/v1/subjects/session", json=self.signed_siwe(SIGN_IN_STATEMENT)), 201).json()
        self.token, self.did = body["token"], body["did"]
        return self.did

    def share(self, profile: dict) -> dict:
        return checked(self.http.put("/v1/subjects/me/data", json=profile, headers=self.headers)).json()

    def pairwise(self, grantee: str) -> LocalAccount:
        """The pairwise key for `grantee`, derived from the wallet's signature over the fixed message."""
        if grantee not in self._pairwise:
            text = pairwise_message(self.chain_id, self.registry, grantee)
            signature = self.wallet.sign_message(encode_defunct(text=text)).signature
            self._pairwise[grantee] = key_from_signature(bytes(signature))
        return self._pairwise[grantee]

    def grant(self, offer: dict, expiry: int, **overrides) -> dict:
        """Sign the offer's consent with the pairwise key (wallet encoding) and hand it to the API to relay."""
        key = self.pairwise(offer["advertiser"])
        request = {"offer_id": offer["offer_id"], "subject": key.address, "expiry": expiry}
        payload = checked(self.http.post("/v1/consents/typed-data", json=request)).json()["typed_data"]
        signature = Account.sign_typed_data(key.key, full_message=payload).signature.to_0x_hex()
        body = {"message": payload["message"] | overrides, "signature": signature, "domain": payload["domain"]}
        return checked(self.http.post("/v1/consents", json=body, headers=self.headers), 202).json()

    def signed_withdrawal(self, consent_id: str, grantee: str, valid_for: int = 3600) -> dict:
        key = self.pairwise(grantee)
        withdrawal = Withdrawal(key.address, bytes.fromhex(consent_id[2:]), int(self.clock()) + valid_for)
        signature = sign(withdrawal, key.key, self.chain_id, self.registry)
        return self._signed_body(withdrawal, signature)

    def withdraw(self, consent_id: str, grantee: str) -> dict:
        body = self.signed_withdrawal(consent_id, grantee)
        return checked(self.http.post(f"/v1/consents/{consent_id}/withdrawal", json=body), 202).json()

    def sweep(self, grantee: str, token: str, recipient: str, nonce: int, valid_for: int = 3600) -> dict:
        key = self.pairwise(grantee)
        request = Sweep(key.address, token, recipient, nonce, int(self.clock()) + valid_for)
        signature = sign(request, key.key, self.chain_id, self.registry)
        body = self._signed_body(request, signature)
        return checked(self.http.post("/v1/consents/sweeps", json=body), 202).json()

    def _signed_body(self, message, signature: bytes) -> dict:
        payload = typed_data(message, self.chain_id, self.registry)
        return {"message": payload["message"], "signature": "0x" + signature.hex()}

    def export(self) -> dict:
        return checked(self.http.get("/v1/subjects/me/export", headers=self.headers)).json()

    def erase(self, withdrawals: list[dict]) -> dict:
        body = self.signed_siwe(ERASURE_STATEMENT) | {"withdrawals": withdrawals}
        return checked(self.http.request("DELETE", "/v1/subjects/me", json=body)).json()
