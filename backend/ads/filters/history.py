from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class History:
    """What is already stored about a batch's events, for one publisher (loaded by ``ads.history``).

    ``known_ids``: the publisher's event ids already stored (duplicates). ``impressions``
    and ``clicks``: (campaign id, impression event id / click id) -> when it happened,
    for stored events that were not filtered.
    """

    known_ids: frozenset[str] = frozenset()
    impressions: dict[tuple[int, str], int] = field(default_factory=dict)
    clicks: dict[tuple[int, str], int] = field(default_factory=dict)
