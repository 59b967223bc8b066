"""The EPCISDocument of one anchor batch: the events as recorded, in the batch's leaf order.

The document is what ``EventBatch.documentCid`` points to, so anyone holding it can
recompute every event hash and the root. It depends on the events alone (its
creationDate is the latest recordTime), so rebuilding it gives the same bytes and CID.
Each event carries its own ``@context`` with the prefixes it was recorded under: two
actors' documents may bind one prefix to different IRIs, which a single document-level
context could not express.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

import orjson

from backend.provenance.models import EpcisEvent

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"


def _event(stored: EpcisEvent) -> dict:
    recorded = orjson.loads(stored.document)
    event = dict(recorded["event"])
    event.pop("@context", None)
    if recorded["namespaces"]:
        event["@context"] = [recorded["namespaces"]]
    return event


def batch_document(events: Sequence[EpcisEvent]) -> bytes:
    """Canonical JSON bytes (sorted keys) of the batch's EPCISDocument."""
    if not events:
        raise ValueError("a batch document holds at least one event")
    created = max(event.recorded_at for event in events)
    created = created.replace(tzinfo=UTC) if created.tzinfo is None else created.astimezone(UTC)
    document = {
        "@context": [EPCIS_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": created.isoformat().replace("+00:00", "Z"),
        "epcisBody": {"eventList": [_event(event) for event in events]},
    }
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
