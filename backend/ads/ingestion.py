"""One verified batch, from parsed events to stored rows, inside the caller's transaction.

The route's order (``POST /v1/events``): verify the signature (``signatures``), claim
the body in the replay cache (``replay``), parse (``events.parse_batch``), load the
campaigns' states, then ``Ingestor.ingest`` in a transaction, commit, answer 202 with
the report. Here:
1. load what the database knows about these event ids (``history_store``);
2. drop duplicates: ids already stored for the publisher, or repeated in the batch;
3. keyed-hash IPs and device ids (the clear values go no further);
4. screen for invalid traffic (``filters``);
5. compute each event's epoch and ``eventHash``, and store everything (``ingest_store``).
Frequency counters are bumped in step 4, before the insert; if the transaction then
fails they stay bumped. That errs towards filtering, never towards billing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from eth_utils import to_checksum_address
from sqlalchemy import Connection

from backend.ads.event_hash import event_hashes
from backend.ads.events import Event, EventRejection, ParsedBatch
from backend.ads.filters import BatchContext, Screener
from backend.campaigns.phase import CampaignState
from backend.ads.history_store import load_history
from backend.ads.ingest_store import BatchRecord, store_batch
from backend.ads.models import EventStatus
from backend.ads.privacy import KeyedHasher
from backend.core.metrics import AD_EVENTS


@dataclass(frozen=True)
class IngestReport:
    batch_id: int
    accepted: tuple[str, ...]
    filtered: dict[str, str]  # event id -> reason code
    duplicates: tuple[str, ...]
    rejected: tuple[EventRejection, ...]


class Ingestor:
    def __init__(self, screener: Screener, hasher: KeyedHasher, epoch_seconds: int):
        if epoch_seconds <= 0:
            raise ValueError("the epoch length must be positive")
        self._screener = screener
        self._hasher = hasher
        self._epoch_seconds = epoch_seconds

    def ingest(
        self,
        connection: Connection,
        *,
        publisher: str,
        publisher_active: bool,
        body_sha256: bytes,
        batch: ParsedBatch,
        campaigns: Mapping[int, CampaignState],
        received_at: int,
    ) -> IngestReport:
        """``publisher``: the address whose key signed the batch; stored EIP-55 checksummed."""
        publisher = to_checksum_address(publisher)
        history = load_history(connection, publisher, batch.events)
        fresh, duplicates = _split_duplicates(batch.events, history.known_ids)
        packed_ips = [e.packed_ip for e in fresh]
        ip_hashes = [self._hasher.ip(ip) if ip is not None else None for ip in packed_ips]
        device_hashes = [self._hasher.device(e.device_id) if e.device_id is not None else None for e in fresh]
        context = BatchContext(publisher, publisher_active, campaigns, history, received_at)
        screening = self._screener.screen(fresh, packed_ips, ip_hashes, device_hashes, context)

        epoch = received_at // self._epoch_seconds
        hashes = event_hashes(publisher, received_at, fresh)
        accepted_status, filtered_status = EventStatus.ACCEPTED.value, EventStatus.FILTERED.value
        rows = [
            (
                publisher,
                event.event_id,
                event.campaign_id,
                event.kind.value,
                event.timestamp,
                received_at,
                epoch,
                event.impression_id,
                event.click_id,
                click_at,
                ip_hash,
                device_hash,
                event_hash,
                accepted_status if reason is None else filtered_status,
                None if reason is None else reason.value,
            )
            for event, reason, click_at, ip_hash, device_hash, event_hash in zip(
                fresh, screening.reasons, screening.click_at, ip_hashes, device_hashes, hashes
            )
        ]
        stored = store_batch(
            connection,
            BatchRecord(
                publisher=publisher,
                body_sha256=body_sha256,
                received_at=received_at,
                event_count=len(batch.events) + len(batch.rejected),
                rejected_count=len(batch.rejected),
                duplicate_count=len(duplicates),
            ),
            rows,
        )
        accepted, filtered = [], {}
        for index, event in enumerate(fresh):
            if event.event_id in stored.duplicates:
                duplicates.append(event.event_id)
            elif screening.reasons[index] is None:
                accepted.append(event.event_id)
            else:
                filtered[event.event_id] = screening.reasons[index].value
        count_outcomes(len(accepted), filtered.values(), batch.rejected)
        return IngestReport(stored.batch_id, tuple(accepted), filtered, tuple(duplicates), batch.rejected)


def _split_duplicates(events: tuple[Event, ...], known: frozenset[str]) -> tuple[list[Event], list[str]]:
    fresh: list[Event] = []
    duplicates: list[str] = []
    seen: set[str] = set()
    for event in events:
        if event.event_id in known or event.event_id in seen:
            duplicates.append(event.event_id)
        else:
            seen.add(event.event_id)
            fresh.append(event)
    return fresh, duplicates


def count_outcomes(accepted: int, filtered_reasons, rejected) -> None:
    """Move trustledger_ad_events_total: one increment per outcome and reason, not per event."""
    if accepted:
        AD_EVENTS.labels("accepted", "").inc(accepted)
    for reason, count in Counter(filtered_reasons).items():
        AD_EVENTS.labels("filtered", reason).inc(count)
    if rejected:  # their reasons are free text (validation messages): one label value keeps cardinality bounded
        AD_EVENTS.labels("rejected", "invalid_event").inc(len(rejected))
