"""Message catalogs (JSON, one file per locale in ``backend/web/messages``) and locale choice.

The documented way to add text: put the key in ``en.json`` and ``zh-CN.json`` — the shared
catalog at the top of ``messages``, or a console's own in ``messages/<console>/`` (a
console's keys start with its name; a test keeps every pair's keys equal and the files'
keys disjoint), use ``t("key")`` in a template, and ``t("key")`` from
``web/lib/i18n.js`` in page code (the page's catalog is embedded as JSON data, never as
script). Placeholders are ``{name}``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

MESSAGES = Path(__file__).resolve().parent / "messages"
LOCALES = ("en", "zh-CN")
DEFAULT = "en"
COOKIE = "tl_lang"


def catalog_files(locale: str) -> list[Path]:
    """The shared catalog of `locale`, then each console's (``messages/<console>/<locale>.json``)."""
    return [MESSAGES / f"{locale}.json", *sorted(MESSAGES.glob(f"*/{locale}.json"))]


@lru_cache(maxsize=len(LOCALES))
def catalog(locale: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in catalog_files(locale):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def supported(value: str | None) -> str | None:
    """The supported locale `value` names (case-insensitive; ``zh``, ``zh-Hans`` read as ``zh-CN``), else None."""
    if not value:
        return None
    tag = value.strip().lower()
    for locale in LOCALES:
        if tag == locale.lower():
            return locale
    return "zh-CN" if tag.startswith("zh") else "en" if tag.startswith("en") else None


def negotiate(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """?lang= first, then the cookie the switcher sets, then Accept-Language in q order, then English."""
    for choice in (query, cookie):
        if found := supported(choice):
            return found
    ranked = []
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        try:
            quality = float(params.strip()[2:]) if params.strip().startswith("q=") else 1.0
        except ValueError:
            quality = 0.0
        ranked.append((quality, tag))
    for _quality, tag in sorted(ranked, key=lambda item: -item[0]):
        if found := supported(tag):
            return found
    return DEFAULT


def translator(locale: str):
    messages, fallback = catalog(locale), catalog(DEFAULT)

    def t(key: str, **values) -> str:
        text = messages.get(key) or fallback[key]
        return text.format(**values) if values else text

    return t
