"""HTML and JSON renderings of view-models (templates compiled once per process)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, Template, FileSystemLoader, StrictUndefined, select_autoescape

from backend.provenance.page import ProductPage
from backend.provenance.verdict import Verdict

TEMPLATES = Path(__file__).resolve().parent / "templates"
VERDICT_WORDS = {Verdict.GENUINE: "Genuine", Verdict.UNVERIFIED: "Not verified", Verdict.SUSPICIOUS: "Suspicious"}
VERDICT_MARKS = {Verdict.GENUINE: "✓", Verdict.UNVERIFIED: "?", Verdict.SUSPICIOUS: "!"}


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # The templates ship with the code: checking their files' times on every render was a
        # tenth of the product page's event-loop CPU (scripts/bench/verify_page.py).
        auto_reload=False,
    )


@lru_cache(maxsize=8)
def template(name: str) -> Template:
    return environment().get_template(name)


def product_html(page: ProductPage) -> str:
    return template("product.html").render(
        page=page, verdict_word=VERDICT_WORDS[page.verdict], verdict_mark=VERDICT_MARKS[page.verdict]
    )


def link_error_html(reason: str) -> str:
    """The page a browser gets for a malformed Digital Link (served with status 400)."""
    return template("link_error.html").render(reason=reason)


def product_json(page: ProductPage) -> dict[str, Any]:
    return {
        "gtin": page.gtin,
        "serial": page.serial,
        "digitalLink": page.path,
        "product": page.product_name,
        "brand": page.brand_name,
        "verdict": page.verdict.value,
        "reason": page.reason,
        "claim": page.claim_note,
        "checkedAt": page.checked_at.isoformat(),
        "events": [
            {
                "step": entry.title,
                "outcome": entry.outcome,
                "place": entry.place,
                "actor": entry.actor,
                "time": entry.when_iso,
                "eventHash": entry.event_hash,
                "anchoredBlock": entry.anchored_block,
                "status": "anchored" if entry.anchored_block is not None else "pending",
            }
            for entry in page.timeline
        ],
    }
