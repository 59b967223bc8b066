"""Which recorded EPCIS facts count towards a product's verdict, and how the page names them.

The EPCIS layer (`epcis`) accepts every CBV 2.0 business step and disposition, and private
vocabularies; this module alone decides what they *mean* for a consumer's verdict:

* **recalled**: an event with disposition ``recalled`` (or the chain's recall of the GTIN/batch);
* **destroyed**: disposition ``destroyed`` or ``disposed``, or business step ``destroying``;
  an item recorded as gone should not be scanned again;
* **retail sale**: business step ``retail_selling`` (one per event); a genuine item is sold once,
  so more than one is a red flag unless a ``returned`` disposition came between (not modelled:
  every sale counts);
* everything else (``inspecting`` with or without a disposition, ``departing``, ``storing``,
  private steps...) is history shown on the page and never a red flag.

Terms arrive as stored: the bare CBV term, or a private vocabulary URI kept as written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

RECALL_DISPOSITIONS = frozenset({"recalled"})
DESTROYED_DISPOSITIONS = frozenset({"destroyed", "disposed"})
DESTROYING_STEPS = frozenset({"destroying"})
RETAIL_SALE_STEPS = frozenset({"retail_selling"})

STEP_TITLES = {
    "commissioning": "Made",
    "inspecting": "Quality check",
    "packing": "Packed",
    "shipping": "Shipped",
    "departing": "Departed",
    "arriving": "Arrived",
    "transporting": "In transport",
    "loading": "Loaded",
    "unloading": "Unloaded",
    "storing": "Stored",
    "holding": "Held at customs",
    "receiving": "Received",
    "accepting": "Accepted",
    "retail_selling": "Sold in a shop",
    "repackaging": "Repackaged",
    "repairing": "Repaired",
    "destroying": "Destroyed",
    "decommissioning": "Taken out of use",
    "sampling": "Sampled",
    "sensor_reporting": "Sensor reading",
}
DISPOSITION_WORDS = {
    "conformant": "passed",
    "non_conformant": "failed",
    "recalled": "recalled",
    "destroyed": "destroyed",
    "damaged": "damaged",
    "in_transit": "in transit",
    "expired": "expired",
    "stolen": "reported stolen",
    "returned": "returned",
}


@dataclass(frozen=True)
class HistoryFacts:
    recalled: bool
    destroyed: bool
    retail_sales: int


def history_facts(events: Iterable[tuple[str, str | None]]) -> HistoryFacts:
    """(business step, disposition) of an item's recorded events -> the facts the verdict weighs."""
    recalled = destroyed = False
    sales = 0
    for step, disposition in events:
        recalled = recalled or disposition in RECALL_DISPOSITIONS
        destroyed = destroyed or disposition in DESTROYED_DISPOSITIONS or step in DESTROYING_STEPS
        sales += step in RETAIL_SALE_STEPS
    return HistoryFacts(recalled=recalled, destroyed=destroyed, retail_sales=sales)


def _readable(value: str) -> str:
    """A private vocabulary URI's last segment, or a CBV term, as words: ``cycle_counting`` -> ``Cycle counting``."""
    tail = value.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1].rsplit(":", 1)[-1]
    for prefix in ("BizStep-", "Disp-"):
        tail = tail.removeprefix(prefix)
    words = tail.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else value


def step_title(step: str) -> str:
    if not step:
        return "Recorded"
    return STEP_TITLES.get(step) or _readable(step)


def disposition_word(disposition: str | None) -> str | None:
    """A word for the dispositions a consumer cares about; None for the rest (not shown)."""
    return DISPOSITION_WORDS.get(disposition or "")
