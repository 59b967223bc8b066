"""The ingestion part of `make demo`: two publishers sign and send event batches.

Each publisher registers an Ed25519 key, then sends one batch of impressions, clicks
and conversions mixed with invalid traffic (a crawler's user agent, a data-centre
address, a click without an impression), then a second batch that repeats some event
ids, then the first body again. The answers show what the API accepted, filtered (by
reason), reported as duplicates, and refused as a replay.
"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import orjson
from nacl.signing import SigningKey

from backend.ads.intake import PUBLISHER_HEADER
from backend.ads.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_ed25519
from backend.campaigns.demo import DemoFailed, DemoParticipant

BROWSER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"
CRAWLER = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
DATACENTRE_IP = "3.1.2.3"  # inside a listed cloud range


@dataclass
class IngestDemo:
    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    replay_status: int = 0
    filtered: Counter = field(default_factory=Counter)
    steps: list[str] = field(default_factory=list)


def _batch(campaign_id: int, prefix: str, impressions: int, clicks: int, conversions: int) -> list[dict]:
    now = int(time.time())
    events: list[dict] = []
    for n in range(impressions):
        events.append({
            "event_id": f"{prefix}-imp-{n}", "campaign_id": campaign_id, "kind": "impression", "timestamp": now,
            "ip": f"81.2.{n // 250}.{n % 250 + 1}", "device_id": f"{prefix}-device-{n}", "user_agent": BROWSER,
        })
    for n in range(clicks):
        events.append({
            "event_id": f"{prefix}-click-{n}", "campaign_id": campaign_id, "kind": "click", "timestamp": now,
            "impression_id": f"{prefix}-imp-{n}", "click_id": f"{prefix}-c{n}",
            "ip": f"81.2.{n // 250}.{n % 250 + 1}", "device_id": f"{prefix}-device-{n}", "user_agent": BROWSER,
        })
    for n in range(conversions):
        events.append({
            "event_id": f"{prefix}-conv-{n}", "campaign_id": campaign_id, "kind": "conversion", "timestamp": now,
            "click_id": f"{prefix}-c{n}", "user_agent": BROWSER,
        })
    # Invalid traffic the filters must catch; it is stored with its reason and never billed.
    events += [
        {"event_id": f"{prefix}-bot-{n}", "campaign_id": campaign_id, "kind": "impression", "timestamp": now,
         "ip": f"81.3.0.{n + 1}", "user_agent": CRAWLER}
        for n in range(20)
    ]
    events += [
        {"event_id": f"{prefix}-dc-{n}", "campaign_id": campaign_id, "kind": "impression", "timestamp": now,
         "ip": DATACENTRE_IP, "user_agent": BROWSER}
        for n in range(10)
    ]
    events.append({
        "event_id": f"{prefix}-orphan-click", "campaign_id": campaign_id, "kind": "click", "timestamp": now,
        "impression_id": f"{prefix}-never-shown", "click_id": f"{prefix}-orphan", "user_agent": BROWSER,
    })
    return events


def _post(client: httpx.Client, publisher: DemoParticipant, seed: bytes, body: bytes) -> httpx.Response:
    stamp = str(int(time.time()))
    return client.post("/v1/events", content=body, headers={
        PUBLISHER_HEADER: publisher.address,
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: sign_ed25519(seed, stamp, body),
        "Content-Type": "application/json",
    })


def _accepted(response: httpx.Response) -> dict:
    if response.status_code != 202:
        raise DemoFailed(f"POST /v1/events: {response.status_code} {response.text}")
    return response.json()


def run_ingest_demo(
    client: httpx.Client,
    *,
    campaign_id: int,
    publishers: list[DemoParticipant],
    progress: Callable[[str], None] = lambda _message: None,
) -> IngestDemo:
    """Send each publisher's batches for the on-chain campaign `campaign_id`; return the tallies."""
    result = IngestDemo()
    for index, publisher in enumerate(publishers):
        seed = secrets.token_bytes(32)
        registered = client.post(
            "/v1/publishers/me/signing-keys",
            json={"algorithm": "ed25519", "key": SigningKey(seed).verify_key.encode().hex()},
            headers=publisher.headers,
        )
        if registered.status_code != 201:
            raise DemoFailed(f"registering a signing key: {registered.status_code} {registered.text}")
        prefix = f"{publisher.address[-6:]}-{secrets.token_hex(3)}"
        events = _batch(campaign_id, prefix, impressions=400 + 200 * index, clicks=24, conversions=6)
        body = orjson.dumps({"events": events})
        first = _accepted(_post(client, publisher, seed, body))
        again = _accepted(_post(client, publisher, seed, orjson.dumps({"events": events[:25]})))
        replay = _post(client, publisher, seed, body)
        result.sent += len(events) + 25
        result.accepted += first["counts"]["accepted"] + again["counts"]["accepted"]
        result.duplicates += again["counts"]["duplicates"]
        result.filtered.update(item["reason"] for item in first["filtered"])
        result.replay_status = replay.status_code
        message = (
            f"{publisher.name}: {len(events)} events sent, {first['counts']['accepted']} accepted, "
            f"{first['counts']['filtered']} filtered; resent 25 -> {again['counts']['duplicates']} duplicates; "
            f"same body again -> {replay.status_code}"
        )
        result.steps.append(message)
        progress(message)
    return result
