"""Product provenance: signed event-batch anchors for the ProvenanceRegistry."""

from backend.provenance.anchor_signature import (
    DOMAIN_NAME,
    DOMAIN_VERSION,
    EVENT_BATCH_TYPE,
    EventBatch,
    SignedAnchor,
    batch_id,
    build_anchor,
    domain,
    event_leaf,
    sign_event_batch,
    signable,
    typed_data,
)

__all__ = [
    "DOMAIN_NAME",
    "DOMAIN_VERSION",
    "EVENT_BATCH_TYPE",
    "EventBatch",
    "SignedAnchor",
    "batch_id",
    "build_anchor",
    "domain",
    "event_leaf",
    "sign_event_batch",
    "signable",
    "typed_data",
]
