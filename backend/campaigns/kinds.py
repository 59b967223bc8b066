from __future__ import annotations

from enum import StrEnum


class EventKind(StrEnum):
    """What a publisher reports. ``code`` is the uint8 the event leaf carries."""

    IMPRESSION = "impression"
    CLICK = "click"
    CONVERSION = "conversion"

    @property
    def code(self) -> int:
        return _CODES[self]


_CODES = {EventKind.IMPRESSION: 0, EventKind.CLICK: 1, EventKind.CONVERSION: 2}
