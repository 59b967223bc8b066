"""Ad events: pricing terms, signed batch ingestion, invalid-traffic filters, pricing.

Data flow and rules: ARCHITECTURE.md, "Data flow (ads)" and "Money, proofs and trust".

The modules that wire this core to the rest of the backend are imported by path, not
re-exported here, because they import identity, campaigns and the chain mirror, which
import this package: ``intake`` (a signed batch from bytes to committed rows, behind
``POST /v1/events``), ``publisher_keys``, ``campaign_states``, ``reports``, ``settings``
and ``tasks`` (the retention purge).
"""

from backend.ads.components import IngestComponents, build_ingest_components
from backend.ads.event_hash import canonical_record, event_hash, event_record, record_of_row
from backend.ads.events import (
    MAX_BATCH_EVENTS,
    AdEventIn,
    BatchInvalid,
    BatchTooLarge,
    EventRejection,
    ParsedBatch,
    parse_batch,
)
from backend.ads.ingest_store import BodyAlreadyAccepted
from backend.ads.ingestion import IngestReport, Ingestor
from backend.ads.kinds import EventKind
from backend.ads.models import AdBatch, AdEvent, AdPublisherTally, EventStatus, status_for
from backend.ads.pricing import (
    BillableEvent,
    Outcome,
    PricedEvent,
    PricingResult,
    PublisherTally,
    fee_on,
    net_of_fee,
    price_events,
    reserve_for,
)
from backend.ads.privacy import KeyedHasher, purge_personal_data, retention_cutoff
from backend.ads.replay import BodyReplayCache, MemoryReplayCache, RedisReplayCache, body_digest, replay_key
from backend.ads.signatures import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    KeyType,
    PublisherKey,
    SignatureRefused,
    verify_batch_signature,
)
from backend.ads.terms import CampaignTerms, TermsInvalid, parse_terms, parse_terms_json

__all__ = [
    "MAX_BATCH_EVENTS",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "AdBatch",
    "AdEvent",
    "AdEventIn",
    "AdPublisherTally",
    "BatchInvalid",
    "BatchTooLarge",
    "BillableEvent",
    "BodyAlreadyAccepted",
    "BodyReplayCache",
    "CampaignTerms",
    "EventKind",
    "EventRejection",
    "EventStatus",
    "IngestComponents",
    "IngestReport",
    "Ingestor",
    "KeyType",
    "KeyedHasher",
    "MemoryReplayCache",
    "Outcome",
    "ParsedBatch",
    "PricedEvent",
    "PricingResult",
    "PublisherKey",
    "PublisherTally",
    "RedisReplayCache",
    "SignatureRefused",
    "TermsInvalid",
    "body_digest",
    "build_ingest_components",
    "canonical_record",
    "event_hash",
    "event_record",
    "fee_on",
    "net_of_fee",
    "parse_batch",
    "parse_terms",
    "parse_terms_json",
    "price_events",
    "purge_personal_data",
    "record_of_row",
    "replay_key",
    "reserve_for",
    "retention_cutoff",
    "status_for",
    "verify_batch_signature",
]
