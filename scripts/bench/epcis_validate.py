"""CPU to validate (both layers) and hash one 1,000-event EPCISDocument, in this process.

Prints ``name: value unit`` per line: the official-schema layer alone, the whole
`parse_events` (schema + project rules), the CBV 2.0 hashes, and, last, the headline: events
per second of CPU for validation plus hashing (the capture goal is 5,000/s including storage).
Run: ``.venv/bin/python scripts/bench/epcis_validate.py``.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from backend.provenance.epcis import parse_events  # noqa: E402
from backend.provenance.epcis_schema import schema_problems  # noqa: E402
from backend.provenance.event_hash import event_hash  # noqa: E402

ROUNDS = 5


def document(round_: int, count: int = 1000) -> dict:
    """Fresh serials each round, as captured documents have (no identifier cache hits across rounds)."""
    events = []
    for index in range(round_ * count, (round_ + 1) * count):
        events.append({
            "type": "ObjectEvent", "action": "OBSERVE", "bizStep": "shipping", "disposition": "in_transit",
            "eventTime": "2026-03-01T08:15:00.000+02:00", "eventTimeZoneOffset": "+02:00",
            "epcList": [f"https://id.gs1.org/01/09506000134352/21/S{index}"],
            "readPoint": {"id": "urn:epc:id:sgln:9506000.00010.1"},
            "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:9506000000009:PO1"}],
            "ex:lot": "L1",
        })
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", {"ex": "https://ns.example.com/"}],
        "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-03-01T09:00:00Z",
        "epcisBody": {"eventList": events},
    }


def main() -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    bodies = [document(round_) for round_ in range(ROUNDS + 1)]
    parse_events(bodies[0], now)  # warm: compiled validators
    schema = parse = hashing = 0.0
    for body in bodies[1:]:
        started = time.process_time()
        schema_problems(body)
        schema += time.process_time() - started
    for body in bodies[1:]:
        started = time.process_time()
        events = parse_events(body, now)
        parsed = time.process_time()
        for event in events:
            event_hash(event.event, event.namespaces)
        parse += parsed - started
        hashing += time.process_time() - parsed
    schema, parse, hashing = (value / ROUNDS * 1000 for value in (schema, parse, hashing))
    print(f"schema_validate_1000_events_cpu: {schema:.1f} ms")
    print(f"parse_events_1000_events_cpu: {parse:.1f} ms")
    print(f"event_hash_1000_events_cpu: {hashing:.1f} ms")
    print(f"validate_and_hash_events_per_cpu_s: {1000 / ((parse + hashing) / 1000):.0f} events/s")


if __name__ == "__main__":
    main()
