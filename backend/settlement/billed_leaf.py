"""The ``eventsRoot`` leaf of a stored, billed ad event, in CampaignEscrow's encoding.

Settlement builds leaves from the rows ads stored (settlement imports ads, never the
reverse; see docs/ARCHITECTURE.md, "Layering").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backend.ads.kinds import EventKind
from backend.ads.models import EventStatus
from backend.settlement.leaves import EventLeaf


def event_leaf(row: Mapping[str, Any]) -> EventLeaf:
    """Of an ``ad_events`` row; only billed events have a leaf (and no personal data enters it)."""
    if row["status"] != EventStatus.BILLED or row["price"] is None:
        raise ValueError(f"event {row['id']} is {row['status']}, not billed: it has no leaf")
    return EventLeaf(
        campaign_id=row["campaign_id"],
        epoch=row["epoch"],
        event_hash=bytes(row["event_hash"]),
        publisher=row["publisher"],
        kind=EventKind(row["kind"]).code,
        price=row["price"],
    )
