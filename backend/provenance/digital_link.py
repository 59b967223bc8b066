"""GS1 Digital Link URIs for one serialised item: ``https://<resolver>/01/{gtin14}/21/{serial}``.

The resolver is the brand's (or the platform's) domain, configured by the caller; the
path is what identifies the item, so parsing accepts any host and an optional path
prefix before ``/01/``. The serial is percent-encoded (GS1 Digital Link 1.2, section 4.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from backend.provenance.gtin import InvalidGtin, normalise_gtin
from backend.provenance.serials import serial_problem

CANONICAL_RESOLVER = "https://id.gs1.org"
# Characters GS1 Digital Link leaves unescaped in a path segment.
_SAFE_IN_SEGMENT = "!$'()*+,-.:;=@_"


class InvalidDigitalLink(ValueError):
    pass


@dataclass(frozen=True)
class DigitalLink:
    gtin: str
    serial: str

    def path(self) -> str:
        return f"/01/{self.gtin}/21/{quote(self.serial, safe=_SAFE_IN_SEGMENT)}"

    def uri(self, resolver: str = CANONICAL_RESOLVER) -> str:
        return resolver_base(resolver) + self.path()


def resolver_base(resolver: str) -> str:
    """``id.brand.com`` or ``https://id.brand.com/prefix/`` -> ``https://id.brand.com/prefix``."""
    base = resolver.strip().rstrip("/")
    if "://" not in base:
        base = "https://" + base
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise InvalidDigitalLink(f"resolver {resolver!r} must be a host or an http(s) base URL")
    return base


def build(gtin: str, serial: str) -> DigitalLink:
    try:
        gtin14 = normalise_gtin(gtin)
    except InvalidGtin as exc:
        raise InvalidDigitalLink(str(exc)) from None
    problem = serial_problem(serial)
    if problem is not None:
        raise InvalidDigitalLink(problem)
    return DigitalLink(gtin14, serial)


def parse(uri: str) -> DigitalLink:
    """The item a Digital Link URI (or bare path) names; any query string (e.g. a SUN code) is ignored."""
    path = urlsplit(uri).path if "://" in uri else uri.split("?", 1)[0]
    segments = path.strip("/").split("/")
    for index in range(len(segments) - 3, -1, -1):
        if segments[index] == "01" and segments[index + 2] == "21" and index + 4 == len(segments):
            return build(segments[index + 1], unquote(segments[index + 3]))
    raise InvalidDigitalLink(f"{uri!r} is not a Digital Link of the form /01/{{gtin}}/21/{{serial}}")
