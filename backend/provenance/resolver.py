"""GS1 Digital Link resolver rules for one item (GS1 Digital Link 1.2 / resolver conformance).

No HTTP here: given a parsed Digital Link and the resolver's base URL, the RFC 9264 linkset
(``application/linkset+json``) with GS1 link types as full ``https://gs1.org/voc/`` URIs, the
choice a ``linkType`` query parameter makes, the RFC 8288 ``Link`` header value and the
``/.well-known/gs1resolver`` description.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from backend.provenance.digital_link import CANONICAL_RESOLVER, DigitalLink, resolver_base

GS1_VOC = "https://gs1.org/voc/"
PIP, TRACEABILITY, DEFAULT = GS1_VOC + "pip", GS1_VOC + "traceability", GS1_VOC + "defaultLink"
LINKSET_TYPE = "application/linkset+json"
# "linkset" and "all" ask for the whole linkset rather than one link.
WHOLE_LINKSET = "linkset"

_TERM = r"[A-Za-z][A-Za-z0-9]{0,63}"
_LINK_TYPE = re.compile(rf"(?:gs1:|{re.escape(GS1_VOC)})({_TERM})")


class InvalidLinkType(ValueError):
    pass


def link_type(value: str) -> str:
    """``gs1:traceability`` or its full URI -> the full URI; ``linkset``/``all`` -> WHOLE_LINKSET."""
    if value in ("linkset", "all"):
        return WHOLE_LINKSET
    match = _LINK_TYPE.fullmatch(value)
    if match is None:
        raise InvalidLinkType(f"linkType {value!r} is not gs1:<term>, {GS1_VOC}<term>, linkset or all")
    return GS1_VOC + match.group(1)


@dataclass(frozen=True)
class Link:
    rel: str
    href: str
    title: str
    type: str


def links(link: DigitalLink, base: str) -> tuple[Link, ...]:
    root = resolver_base(base)
    page = root + link.path()
    trace = f"{root}/epcis/events?MATCH_anyEPC={quote(link.uri(CANONICAL_RESOLVER), safe='')}"
    return (
        Link(PIP, page, "Product information and authenticity", "text/html"),
        Link(TRACEABILITY, trace, "EPCIS events of this item", "application/ld+json"),
        Link(DEFAULT, page, "Product information and authenticity", "text/html"),
    )


SUPPORTED_LINK_TYPES = (PIP, TRACEABILITY, DEFAULT)


def target(link: DigitalLink, base: str, wanted: str) -> str | None:
    """The href a linkType selects; None for the default link (the product page itself),
    which is also the answer for a well-formed link type this resolver has no link for."""
    if wanted in (PIP, DEFAULT):
        return None
    for candidate in links(link, base):
        if candidate.rel == wanted:
            return candidate.href
    return None


def linkset(link: DigitalLink, base: str) -> dict:
    """RFC 9264 JSON: one context object anchored at the canonical Digital Link URI."""
    context: dict = {"anchor": link.uri(CANONICAL_RESOLVER)}
    for item in links(link, base):
        context.setdefault(item.rel, []).append(
            {"href": item.href, "title": item.title, "type": item.type, "hreflang": ["en"]}
        )
    return {"linkset": [context]}


def link_header(link: DigitalLink, base: str) -> str:
    """RFC 8288 ``Link`` header listing the item's links and its linkset."""
    parts = [f'<{item.href}>; rel="{item.rel}"; type="{item.type}"' for item in links(link, base)]
    parts.append(f'<{resolver_base(base)}{link.path()}?linkType=linkset>; rel="linkset"; type="{LINKSET_TYPE}"')
    return ", ".join(parts)


def description(base: str) -> dict:
    """The ``/.well-known/gs1resolver`` document."""
    root = resolver_base(base)
    return {
        "name": "trustledger GS1 Digital Link resolver",
        "resolverRoot": root,
        "supportedPrimaryKeys": ["01"],
        "supportedLinkTypes": [{"namespace": GS1_VOC, "prefix": "gs1:", "profile": GS1_VOC + "?show=linktypes"}],
        "linkTypes": list(SUPPORTED_LINK_TYPES),
        "linkTypeDefaultCanBeLinkset": False,
        "supportedContextValuesEnumerated": [],
        "validatingQualifiers": ["21"],
        "compressedUriSupport": True,
        "jsonLdContextLocation": "https://gs1.org/voc/",
        "contact": {"fn": "trustledger"},
    }
