"""The demo's consent step, driven through the HTTP API as a wallet app and an advertiser would.

``consent_step(http, advertiser_key=..., consumer_key=..., settle=...)`` runs:

1. the advertiser publishes a funded offer (``dpv:PersonalisedAdvertising``, age band,
   country and interests; 5 tUSD per grant, cap 10, 30-day periods);
2. the consumer signs in with its wallet (SIWE), shares age band, country, interests and
   gender, derives its pairwise address for the advertiser and grants the offer (signed
   typed data, relayed by the platform: the consumer pays no gas);
3. the advertiser reads the data: the three consented fields come back, gender is
   withheld, and another purpose is refused;
4. the consumer withdraws; the very next read is refused, before the withdrawal is mined.

Preconditions: the API is up with the deployment's ConsentRegistry; ``advertiser_key``
is an API key of an approved, custodial advertiser whose chain address holds the
Advertiser role, gas, and at least 50 tUSD. ``consumer_key`` is any private key (the
consumer's wallet; it needs no funds). ``settle`` makes queued transactions mined and
mirrored (drain the outbox, sync the indexer); without it the step polls the API,
which suits a running sender and indexer.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass

from eth_account import Account

from backend.consent.client import ConsumerClient, checked

PURPOSE = "dpv:PersonalisedAdvertising"
OFFER = {
    "purpose": PURPOSE,
    "data_categories": ["age-band", "country", "interests"],
    "token": "tUSD",
    "compensation": 5_000_000,
    "cap": 10,
    "period_seconds": 30 * 86_400,
}
PROFILE = {"age-band": "25-34", "country": "DE", "interests": ["cycling", "jazz"], "gender": "female"}


@dataclass(frozen=True)
class ConsentDemoSummary:
    offer_id: int
    consumer_did: str
    pairwise_address: str
    consent_id: str
    grant_transaction: str
    disclosed: dict
    withheld: list[str]
    other_purpose_status: int
    after_withdrawal_status: int
    receipt_status: str

    def as_dict(self) -> dict:
        return asdict(self)


def _wait(check: Callable[[], object], settle: Callable[[], None] | None, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        if settle is not None:
            settle()
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not done after {timeout:.0f}s (is the sender and indexer running?)")
        time.sleep(0.5)


def consent_step(
    http,
    *,
    advertiser_key: str,
    consumer_key: str,
    settle: Callable[[], None] | None = None,
    clock: Callable[[], float] = time.time,
) -> ConsentDemoSummary:
    """`clock` is the time the API judges by (a test's API may follow the chain's clock)."""
    advertiser = {"Authorization": f"Bearer {advertiser_key}"}
    publication = checked(
        http.post("/v1/offers", json=OFFER, headers=advertiser | {"Idempotency-Key": uuid.uuid4().hex}), 202
    ).json()

    def offer_id():
        status = checked(http.get(f"/v1/offers/publications/{publication['publication_id']}", headers=advertiser))
        return status.json()["offer_id"]

    offer = checked(http.get(f"/v1/offers/{_wait(offer_id, settle, 'publishing the offer')}")).json()

    consumer = ConsumerClient(http, Account.from_key(consumer_key), clock=clock)
    did = consumer.sign_in()
    consumer.share(PROFILE)
    pairwise = consumer.pairwise(offer["advertiser"]).address
    consent_id = consumer.grant(offer, expiry=int(clock()) + 90 * 86_400)["consent_id"]

    def receipt():
        response = http.get(f"/v1/consents/{consent_id}/receipt")
        return response.json() if response.status_code == 200 else None

    granted = _wait(receipt, settle, "relaying the consent")

    def read(purpose: str):
        params = {"purpose": purpose, "fields": "age-band,country,interests,gender"}
        return http.get(f"/v1/subjects/{pairwise}/data", params=params, headers=advertiser)

    allowed = checked(read(PURPOSE)).json()
    other = read("dpv:DirectMarketing")
    consumer.withdraw(consent_id, offer["advertiser"])
    after = read(PURPOSE)
    if settle is not None:
        settle()
    final = checked(http.get(f"/v1/consents/{consent_id}/receipt")).json()
    return ConsentDemoSummary(
        offer_id=offer["offer_id"],
        consumer_did=did,
        pairwise_address=pairwise,
        consent_id=consent_id,
        grant_transaction=granted["tl:onChain"]["tl:grantTransaction"]["tl:transaction"],
        disclosed=allowed["data"],
        withheld=allowed["withheld"],
        other_purpose_status=other.status_code,
        after_withdrawal_status=after.status_code,
        receipt_status=final["dpv:hasConsentStatus"]["@id"],
    )
