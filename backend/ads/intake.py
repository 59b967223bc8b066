"""``POST /v1/events`` without the HTTP: a signed batch, from its bytes to committed rows.

Each step refuses before the next one costs anything:

1. the route reads the body, refusing more than ``MAX_BODY_BYTES`` (413);
2. the publisher named by ``X-Trustledger-Publisher`` and every key that may sign for
   it, in one query (``publisher_keys``); an address without a participant or keys: 401;
3. the signature over the exact body bytes by one of those keys, made within 5 minutes
   of the server clock (``signatures``): 401 with the reason's code;
4. the body claimed in the replay cache: a body in flight or accepted before is 409;
5. the body parsed (``events.parse_batch``): unusable 422, over 10,000 events 413, every
   event invalid 422 with each one's reasons; otherwise invalid events are reported and
   the rest go on;
6. the states of the campaigns the events name (``campaign_states``);
7. ``Ingestor.ingest`` (duplicates, filters, one bulk insert), then the commit. The
   report leaves only after the commit: nothing acknowledged can be lost.

Steps 2, 6 and 7 share one database transaction; Redis sees two round trips a batch,
the claim (step 4) and every frequency counter in one script call (step 7). Folding the
claim into that call was rejected: a replay would then be refused only after it had
been parsed and looked up.

If anything fails after step 4 (a refusal, a database error, the commit itself), the
replay claim is released, so the publisher can retry a body that was never stored;
``ad_batches``' unique body hash still refuses a stored one durably. The frequency
counters are the one thing a failed batch leaves behind (see ``ingestion``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eth_utils import is_hex_address, to_checksum_address
from sqlalchemy import Engine

from backend.ads.campaign_states import CampaignStates
from backend.ads.components import IngestComponents
from backend.ads.events import BatchInvalid, BatchTooLarge, EventRejection, ParsedBatch, parse_batch
from backend.ads.ingest_store import BodyAlreadyAccepted
from backend.ads.ingestion import IngestReport
from backend.ads.publisher_keys import publisher_standing
from backend.ads.replay import body_digest, replay_key
from backend.ads.signatures import SignatureRefused, verify_batch_signature

PUBLISHER_HEADER = "X-Trustledger-Publisher"
MAX_BODY_BYTES = 4 * 1024 * 1024  # 10,000 events of ~400 bytes


class IntakeRefused(Exception):
    """The batch is refused as a whole and nothing of it is stored; ``status`` and ``code`` are the API's."""

    def __init__(self, status: int, code: str, message: str, details: Any = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


@dataclass(frozen=True)
class Intake:
    """What one accepted batch came to."""

    publisher: str
    received_at: int
    epoch: int
    report: IngestReport


class BatchIntake:
    def __init__(self, engine: Engine, components: IngestComponents, campaigns: CampaignStates, epoch_seconds: int):
        self._engine = engine
        self._ingestor = components.ingestor
        self._replay = components.replay_cache
        self._campaigns = campaigns
        self._epoch_seconds = epoch_seconds

    def receive(
        self,
        body: bytes,
        *,
        publisher: str,
        timestamp: str | None,
        signature: str | None,
        now: datetime,
        admit: Callable[[str, int, int], None] | None = None,
    ) -> Intake:
        """Verify, parse and store one batch. ``admit(publisher, events, body_bytes)`` runs once the
        signature names the publisher and the batch is parsed, before anything is stored: it may raise
        to refuse the batch (the API's rate limits per publisher)."""
        if not is_hex_address(publisher):
            raise IntakeRefused(422, "publisher_invalid", f"{PUBLISHER_HEADER} must be the publisher's address")
        publisher = to_checksum_address(publisher)
        received_at = int(now.timestamp())
        claimed: str | None = None
        try:
            with self._engine.begin() as connection:
                standing = publisher_standing(connection, publisher, now)
                if standing is None or not standing.keys:
                    raise IntakeRefused(401, "publisher_unknown", f"{publisher} has no key registered to sign events")
                try:
                    verify_batch_signature(body, timestamp, signature, standing.keys, received_at)
                except SignatureRefused as exc:
                    raise IntakeRefused(401, exc.code, str(exc)) from None
                digest = body_digest(body)
                key = replay_key(publisher, digest)
                if not self._replay.claim(key):
                    raise IntakeRefused(409, BodyAlreadyAccepted.code, "this body was accepted already or is in flight")
                claimed = key
                batch = _parse(body)
                if admit is not None:
                    admit(publisher, len(batch.events) + len(batch.rejected), len(body))
                campaigns = self._campaigns.load(connection, {event.campaign_id for event in batch.events})
                report = self._ingestor.ingest(
                    connection,
                    publisher=publisher,
                    publisher_active=standing.active,
                    body_sha256=digest,
                    batch=batch,
                    campaigns=campaigns,
                    received_at=received_at,
                )
        except BodyAlreadyAccepted as exc:
            self._release(claimed)
            raise IntakeRefused(409, exc.code, str(exc)) from None
        except BaseException:
            self._release(claimed)
            raise
        return Intake(publisher, received_at, received_at // self._epoch_seconds, report)

    def _release(self, claimed: str | None) -> None:
        if claimed is not None:
            self._replay.release(claimed)


def _parse(body: bytes) -> ParsedBatch:
    try:
        batch = parse_batch(body)
    except BatchTooLarge as exc:
        raise IntakeRefused(413, exc.code, str(exc)) from None
    except BatchInvalid as exc:
        raise IntakeRefused(422, exc.code, str(exc)) from None
    if not batch.events:
        raise IntakeRefused(422, "batch_events_invalid", "no event of the batch is valid", rejections(batch.rejected))
    return batch


def rejections(rejected: Iterable[EventRejection]) -> list[dict[str, Any]]:
    """Invalid events as the API lists them."""
    return [{"index": r.index, "event_id": r.event_id, "reasons": list(r.reasons)} for r in rejected]
