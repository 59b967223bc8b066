"""Test data for the ads suite: events, batches, terms, campaign states, a wired ingestor."""

from __future__ import annotations

from typing import Any

import orjson

from backend.ads.events import parse_batch
from backend.ads.filters import (
    BatchContext,
    FilterReason,
    FrequencyCounter,
    History,
    MemoryFrequencyCounter,
    Screener,
    ScreeningPolicy,
    TrafficLists,
)
from backend.ads.ingestion import IngestReport, Ingestor
from backend.ads.ip import pack_ip
from backend.ads.privacy import KeyedHasher
from backend.ads.replay import body_digest
from backend.campaigns.phase import CampaignPhase, CampaignState
from backend.campaigns.terms import CampaignTerms, parse_terms

NOW = 1_800_000_000
PUBLISHER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
OTHER_PUBLISHER = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"
HASH_KEY = b"k" * 32
HUMAN_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0"
BOT_AGENT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
HOME_IP = "81.2.69.160"
DATACENTER_IP = "52.1.2.3"
EPOCH_SECONDS = 30


def terms(**pricing: int) -> CampaignTerms:
    conditions = pricing.pop("conditions", None)
    document: dict[str, Any] = {"version": 1, "pricing": pricing or {"cpm": 2_000_000, "cpc": 50_000, "cpa": 1_000_000}}
    if conditions:
        document["conditions"] = conditions
    return parse_terms(document)


def campaign(campaign_id: int = 1, **overrides: Any) -> CampaignState:
    values: dict[str, Any] = dict(
        campaign_id=campaign_id, phase=CampaignPhase.ACTIVE, deposit=10**12, spent=0, terms=terms()
    )
    values.update(overrides)
    return CampaignState(**values)


def event(event_id: str, kind: str = "impression", **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "event_id": event_id,
        "campaign_id": 1,
        "kind": kind,
        "timestamp": NOW - 60,
        "ip": HOME_IP,
        "device_id": f"device-{event_id}",
        "user_agent": HUMAN_AGENT,
    }
    values.update(fields)
    return {key: value for key, value in values.items() if value is not None}


def impression(event_id: str, **fields: Any) -> dict[str, Any]:
    return event(event_id, "impression", **fields)


def click(event_id: str, impression_id: str, click_id: str | None = None, **fields: Any) -> dict[str, Any]:
    return event(event_id, "click", impression_id=impression_id, click_id=click_id or f"clk-{event_id}", **fields)


def conversion(event_id: str, click_id: str, **fields: Any) -> dict[str, Any]:
    return event(event_id, "conversion", click_id=click_id, **fields)


def body(events: list[dict[str, Any]]) -> bytes:
    return orjson.dumps({"events": events})


def lists() -> TrafficLists:
    return TrafficLists(["bot", "curl/"], ["52.0.0.0/11", "2600:1f00::/24"])


def ingestor(counter: FrequencyCounter | None = None, policy: ScreeningPolicy | None = None) -> Ingestor:
    screener = Screener(lists(), counter or MemoryFrequencyCounter(), policy)
    return Ingestor(screener, KeyedHasher(HASH_KEY), EPOCH_SECONDS)


def ingest(
    engine,
    events: list[dict[str, Any]],
    *,
    campaigns: dict[int, CampaignState] | None = None,
    publisher: str = PUBLISHER,
    publisher_active: bool = True,
    received_at: int = NOW,
    using: Ingestor | None = None,
) -> IngestReport:
    raw = body(events)
    with engine.begin() as connection:
        return (using or ingestor()).ingest(
            connection,
            publisher=publisher,
            publisher_active=publisher_active,
            body_sha256=body_digest(raw),
            batch=parse_batch(raw),
            campaigns=campaigns if campaigns is not None else {1: campaign()},
            received_at=received_at,
        )


def screen(
    events: list[dict[str, Any]],
    *,
    campaigns: dict[int, CampaignState] | None = None,
    history: History | None = None,
    publisher_active: bool = True,
    screener: Screener | None = None,
    now: int = NOW,
) -> dict[str, FilterReason | None]:
    """Screen a batch without a database: event id -> reason (None: may be billed)."""
    parsed = parse_batch(body(events))
    assert not parsed.rejected, parsed.rejected
    hasher = KeyedHasher(HASH_KEY)
    packed_ips = [pack_ip(e.ip) if e.ip is not None else None for e in parsed.events]
    context = BatchContext(
        PUBLISHER,
        publisher_active,
        campaigns if campaigns is not None else {1: campaign()},
        history or History(),
        now,
    )
    screening = (screener or Screener(lists(), MemoryFrequencyCounter())).screen(
        parsed.events,
        packed_ips,
        [hasher.ip(ip) if ip is not None else None for ip in packed_ips],
        [hasher.device(e.device_id) if e.device_id is not None else None for e in parsed.events],
        context,
    )
    return {e.event_id: reason for e, reason in zip(parsed.events, screening.reasons)}
