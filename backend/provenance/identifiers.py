"""EPC URIs (GS1 EPC Tag Data Standard 2.x) and GS1 Digital Link URIs of every GS1 key, both ways.

Events name the same item as ``urn:epc:id:sgtin:...`` or as a Digital Link on any
resolver; the event hash (CBV 2.0 section 8.9, rules 17-18) and the link from an event
to a registered product both need one spelling, the *canonical* Digital Link on
``https://id.gs1.org`` constrained to the finest level of identification (a serial wins
over a lot, the CPV and the query string are dropped).

Supported (TDS 2.x pure identity, class and pattern URIs): sgtin, sscc, sgln, grai,
giai, gsrn, gsrnp, gdti, cpi, sgcn, ginc, gsin, itip, upui, pgln, ``urn:epc:class:lgtin``
and ``urn:epc:idpat:`` sgtin / grai / gdti / sgcn / cpi / itip / upui. Every GS1 company
prefix of 6 to 12 digits is handled. Check digits are computed when converting an EPC
URI and validated when reading a Digital Link. A Digital Link has no company-prefix
boundary, so converting one back to an EPC URI takes the prefix length as an argument.

Not GS1 keys (``gid``, ``usdod``, ``adi``, ``bic``, ``imovn``) are refused with
`UnknownEpcScheme`: no canonical Digital Link exists for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, unquote, urlsplit

from backend.core.errors import InvalidInput
from backend.provenance.gtin import check_digit

CANONICAL_HOST = "https://id.gs1.org"

# GS1 General Specifications character sets: 82 (most alphanumeric AIs) and 39 (CPI, AI 8010).
_CSET82 = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*$")
_CSET39 = re.compile(r"^[#\-/0-9A-Z]*$")
_DIGITS = re.compile(r"^[0-9]*$")
# What the canonical form percent-encodes beyond the EPC URI's own escapes (GS1 Digital Link table 7-1).
_DL_ESCAPES = {"!": "%21", "(": "%28", ")": "%29", "*": "%2A", "+": "%2B", ",": "%2C", ":": "%3A"}
_NOT_GS1_SCHEMES = frozenset({"gid", "usdod", "adi", "bic", "imovn"})


class InvalidIdentifier(InvalidInput):
    """A value that claims to be an EPC URI or a GS1 Digital Link but breaks its syntax."""

    code = "invalid_identifier"

    def __init__(self, value: str, reason: str, field: str | None = None):
        where = f"{field}: " if field else ""
        super().__init__(f"{where}{value!r} {reason}", {"value": value, "reason": reason, "field": field})
        self.value = value
        self.reason = reason
        self.field = field


class UnknownEpcScheme(InvalidIdentifier):
    """An EPC URI of a scheme that is not a GS1 key (or not known)."""

    code = "unsupported_identifier"


# The name callers used before every GS1 key was supported: any refused identifier.
UnsupportedIdentifier = InvalidIdentifier


def _dl_escape(text: str) -> str:
    return "".join(_DL_ESCAPES.get(char, char) for char in text)


_SET_NAMES = {id(_CSET82): "GS1 AI characters (set 82)", id(_CSET39): "digits, capitals, '#', '-' or '/'", id(_DIGITS): "digits"}


def _check(value: str, text: str, pattern: re.Pattern, low: int, high: int, what: str) -> str:
    """`text` (EPC URI escapes decoded) checked against a character set and a length range; returned as given."""
    decoded = unquote(text)
    if not (low <= len(decoded) <= high) or not pattern.match(decoded):
        span = f"{low}" if low == high else f"{low} to {high}"
        raise InvalidIdentifier(value, f"has {what} {decoded!r}; expected {span} {_SET_NAMES[id(pattern)]}")
    return text


def _prefix(value: str, company_prefix: str, reference: str, total: int, what: str) -> None:
    if not (company_prefix.isascii() and company_prefix.isdigit() and 6 <= len(company_prefix) <= 12):
        raise InvalidIdentifier(value, f"has company prefix {company_prefix!r}; expected 6 to 12 digits")
    if not (reference.isascii() and (reference.isdigit() or reference == "")):
        raise InvalidIdentifier(value, f"has {what} {reference!r}; expected digits")
    if len(company_prefix) + len(reference) != total:
        raise InvalidIdentifier(
            value, f"has company prefix and {what} of {len(company_prefix) + len(reference)} digits; they must total {total} digits"
        )


def _indicator_key(value: str, cp: str, ref: str, what: str = "item reference") -> str:
    """GTIN-14 from an indicator-digit-first item reference (SGTIN, LGTIN, ITIP, UPUI)."""
    _prefix(value, cp, ref, 13, what)
    body = ref[0] + cp + ref[1:]
    return body + str(check_digit(body))


def _company_key(value: str, cp: str, ref: str, total: int, what: str) -> str:
    """Company prefix + reference + check digit (GLN, GDTI, SGCN, GSRN, GSIN, SSCC without extension)."""
    _prefix(value, cp, ref, total, what)
    body = cp + ref
    return body + str(check_digit(body))


def _fields(value: str, body: str, count: int) -> list[str]:
    fields = body.split(".")
    if len(fields) != count:
        raise InvalidIdentifier(value, f"must have {count} dot-separated fields after the scheme, not {len(fields)}")
    return fields


def _pure_identity(value: str, scheme: str, body: str) -> str:
    """The canonical Digital Link path of a ``urn:epc:id:`` URI."""
    if scheme == "sgtin":
        cp, ref, serial = _fields(value, body, 3)
        gtin = _indicator_key(value, cp, ref)
        return f"/01/{gtin}/21/{_dl_escape(_check(value, serial, _CSET82, 1, 20, 'serial'))}"
    if scheme == "sscc":
        cp, ref = _fields(value, body, 2)
        _prefix(value, cp, ref, 17, "serial reference")
        digits = ref[0] + cp + ref[1:]
        return f"/00/{digits}{check_digit(digits)}"
    if scheme == "sgln":
        cp, ref, extension = _fields(value, body, 3)
        gln = _company_key(value, cp, ref, 12, "location reference")
        _check(value, extension, _CSET82, 1, 20, "extension")
        return f"/414/{gln}" if extension == "0" else f"/414/{gln}/254/{_dl_escape(extension)}"
    if scheme == "grai":
        cp, ref, serial = _fields(value, body, 3)
        key = _company_key(value, cp, ref, 12, "asset type")
        return f"/8003/0{key}{_dl_escape(_check(value, serial, _CSET82, 1, 16, 'serial'))}"
    if scheme in ("giai", "ginc"):
        cp, ref = _fields(value, body, 2)
        _prefix(value, cp, "", len(cp), "reference")
        what = "asset reference" if scheme == "giai" else "consignment reference"
        _check(value, ref, _CSET82, 1, 30 - len(cp), what)
        return f"/{'8004' if scheme == 'giai' else '401'}/{cp}{_dl_escape(ref)}"
    if scheme in ("gsrn", "gsrnp"):
        cp, ref = _fields(value, body, 2)
        return f"/{'8018' if scheme == 'gsrn' else '8017'}/{_company_key(value, cp, ref, 17, 'service reference')}"
    if scheme == "gdti":
        cp, ref, serial = _fields(value, body, 3)
        key = _company_key(value, cp, ref, 12, "document type")
        return f"/253/{key}{_dl_escape(_check(value, serial, _CSET82, 1, 17, 'serial'))}"
    if scheme == "cpi":
        cp, ref, serial = _fields(value, body, 3)
        _prefix(value, cp, "", len(cp), "reference")
        _check(value, ref, _CSET39, 1, 30 - len(cp), "component/part reference")
        _check(value, serial, _DIGITS, 1, 12, "serial")
        return f"/8010/{cp}{ref}/8011/{serial}"
    if scheme == "sgcn":
        cp, ref, serial = _fields(value, body, 3)
        key = _company_key(value, cp, ref, 12, "coupon reference")
        return f"/255/{key}{_check(value, serial, _DIGITS, 1, 12, 'serial')}"
    if scheme == "gsin":
        cp, ref = _fields(value, body, 2)
        return f"/402/{_company_key(value, cp, ref, 16, 'shipper reference')}"
    if scheme == "itip":
        cp, ref, piece, total, serial = _fields(value, body, 5)
        gtin = _indicator_key(value, cp, ref)
        _check(value, piece, _DIGITS, 2, 2, "piece number")
        _check(value, total, _DIGITS, 2, 2, "total count")
        return f"/8006/{gtin}{piece}{total}/21/{_dl_escape(_check(value, serial, _CSET82, 1, 20, 'serial'))}"
    if scheme == "upui":
        cp, ref, tpx = _fields(value, body, 3)
        gtin = _indicator_key(value, cp, ref)
        return f"/01/{gtin}/235/{_dl_escape(_check(value, tpx, _CSET82, 1, 28, 'third-party extension'))}"
    if scheme == "pgln":
        cp, ref = _fields(value, body, 2)
        return f"/417/{_company_key(value, cp, ref, 12, 'party reference')}"
    raise UnknownEpcScheme(value, f"uses EPC scheme {scheme!r}, which is not a GS1 key")


def _pattern(value: str, scheme: str, body: str) -> str:
    """The canonical Digital Link path of a ``urn:epc:idpat:`` URI whose only wildcard is the serial."""
    fields = body.split(".")
    if not fields or fields[-1] != "*" or "*" in fields[:-1]:
        raise InvalidIdentifier(value, "is a pattern that only a serial wildcard (last field '*') can express as a Digital Link")
    head = fields[:-1]
    if scheme in ("sgtin", "upui") and len(head) == 2:
        return f"/01/{_indicator_key(value, head[0], head[1])}"
    if scheme == "itip" and len(head) == 4:
        gtin = _indicator_key(value, head[0], head[1])
        _check(value, head[2], _DIGITS, 2, 2, "piece number")
        _check(value, head[3], _DIGITS, 2, 2, "total count")
        return f"/8006/{gtin}{head[2]}{head[3]}"
    if scheme == "grai" and len(head) == 2:
        return f"/8003/0{_company_key(value, head[0], head[1], 12, 'asset type')}"
    if scheme in ("gdti", "sgcn") and len(head) == 2:
        what = "document type" if scheme == "gdti" else "coupon reference"
        return f"/{'253' if scheme == 'gdti' else '255'}/{_company_key(value, head[0], head[1], 12, what)}"
    if scheme == "cpi" and len(head) == 2:
        _prefix(value, head[0], "", len(head[0]), "reference")
        _check(value, head[1], _CSET39, 1, 30 - len(head[0]), "component/part reference")
        return f"/8010/{head[0]}{head[1]}"
    raise UnknownEpcScheme(value, f"is an EPC pattern of scheme {scheme!r} with no Digital Link equivalent")


def _from_epc_urn(value: str) -> str:
    parts = value.split(":", 4)
    if len(parts) != 5 or parts[0] != "urn" or parts[1] != "epc":
        raise InvalidIdentifier(value, "is not an EPC URI (urn:epc:id|class|idpat:<scheme>:<fields>)")
    _, _, level, scheme, body = parts
    if level == "id":
        if scheme in _NOT_GS1_SCHEMES:
            raise UnknownEpcScheme(value, f"uses EPC scheme {scheme!r}, which is not a GS1 key")
        return _pure_identity(value, scheme, body)
    if level == "class" and scheme == "lgtin":
        cp, ref, lot = _fields(value, body, 3)
        return f"/01/{_indicator_key(value, cp, ref)}/10/{_dl_escape(_check(value, lot, _CSET82, 1, 20, 'lot'))}"
    if level == "idpat":
        return _pattern(value, scheme, body)
    raise UnknownEpcScheme(value, f"is an EPC URI of kind urn:epc:{level}:{scheme}, which is not supported")


# ---- GS1 Digital Link ---------------------------------------------------------------------------------

# Primary key AIs, their short names (DL 1.1 section 5), and how the key value is checked.
_SHORT_NAMES = {
    "gtin": "01", "itip": "8006", "cpid": "8010", "gln": "414", "party": "417", "gsrnp": "8017", "gsrn": "8018",
    "gcn": "255", "sscc": "00", "gdti": "253", "ginc": "401", "gsin": "402", "grai": "8003", "giai": "8004",
    "cpv": "22", "lot": "10", "ser": "21",
}
# Key qualifiers allowed after each primary key, in their required order; the finest is listed last.
_QUALIFIERS = {
    "00": (), "01": ("22", "10", "21"), "253": (), "255": (), "401": (), "402": (), "414": ("254",),
    "417": (), "8003": (), "8004": (), "8006": ("22", "10", "21"), "8010": ("8011",), "8017": (), "8018": (),
}
_QUALIFIER_RULES = {"22": (_CSET82, 1, 20, "CPV"), "10": (_CSET82, 1, 20, "lot"), "21": (_CSET82, 1, 20, "serial"),
                    "254": (_CSET82, 1, 20, "GLN extension"), "8011": (_DIGITS, 1, 12, "CPID serial"),
                    "235": (_CSET82, 1, 28, "third-party extension")}


def _valid_check_digit(digits: str) -> bool:
    return check_digit(digits[:-1]) == int(digits[-1])


def _check_key(uri: str, ai: str, raw: str) -> str:
    """The primary key value (GTINs padded to 14 digits), after checking its syntax and check digit."""
    fixed = {"00": 18, "414": 13, "417": 13, "8017": 18, "8018": 18, "402": 17}
    if ai == "01":
        if not (raw.isascii() and raw.isdigit() and len(raw) in (8, 12, 13, 14)):
            raise InvalidIdentifier(uri, f"has GTIN {raw!r}; expected 8, 12, 13 or 14 digits")
        if not _valid_check_digit(raw):
            raise InvalidIdentifier(uri, f"has GTIN {raw!r} whose check digit is wrong (expected {check_digit(raw[:-1])})")
        return raw.zfill(14)
    if ai in fixed:
        if not (raw.isascii() and raw.isdigit() and len(raw) == fixed[ai]):
            raise InvalidIdentifier(uri, f"has AI {ai} value {raw!r}; expected {fixed[ai]} digits")
        if not _valid_check_digit(raw):
            raise InvalidIdentifier(uri, f"has AI {ai} value {raw!r} whose check digit is wrong")
        return raw
    digits, rest, label = {"253": (13, (0, 17), "GDTI"), "255": (13, (0, 12), "GCN"), "8003": (14, (0, 16), "GRAI"),
                           "8006": (18, (0, 0), "ITIP")}.get(ai, (0, (1, 30), ai))
    if digits:
        head, tail = raw[:digits], unquote(raw[digits:])
        if not (head.isascii() and head.isdigit() and len(head) == digits):
            raise InvalidIdentifier(uri, f"has {label} {raw!r}; it must start with {digits} digits")
        checked = head[1:] if ai in ("8003",) else head[:14] if ai == "8006" else head
        if not _valid_check_digit(checked):
            raise InvalidIdentifier(uri, f"has {label} {raw!r} whose check digit is wrong")
        pattern = _DIGITS if ai == "255" else _CSET82
        if not (rest[0] <= len(tail) <= rest[1]) or not pattern.match(tail):
            raise InvalidIdentifier(uri, f"has {label} {raw!r} whose serial part is not valid")
        return raw
    decoded = unquote(raw)
    pattern = _CSET39 if ai == "8010" else _CSET82
    if not (1 <= len(decoded) <= 30) or not pattern.match(decoded):
        raise InvalidIdentifier(uri, f"has AI {ai} value {decoded!r}; expected 1 to 30 valid characters")
    return raw


@dataclass(frozen=True)
class DigitalLinkKey:
    """A GS1 key read from a Digital Link: primary key AI and value, then qualifiers in path order."""

    ai: str
    value: str  # as in the path (percent-encoded where it was); GTINs padded to 14 digits
    qualifiers: tuple[tuple[str, str], ...] = ()

    def canonical_path(self) -> str:
        """Constrained to the finest level: CPV dropped, a serial wins over a lot (CBV 2.0 rule 18)."""
        kept = dict(self.qualifiers)
        kept.pop("22", None)
        if "21" in kept:
            kept.pop("10", None)
        return f"/{self.ai}/{self.value}" + "".join(f"/{ai}/{kept[ai]}" for ai in self._order() if ai in kept)

    def _order(self) -> tuple[str, ...]:
        return _QUALIFIERS[self.ai] + (("235",) if self.ai == "01" else ())

    def canonical_uri(self) -> str:
        return CANONICAL_HOST + self.canonical_path()


def parse_digital_link(uri: str) -> DigitalLinkKey | None:
    """The key of a GS1 Digital Link URI (any host, optional path prefix, query ignored); None when the
    path carries no GS1 primary key. Raises `InvalidIdentifier` when it does but breaks the syntax."""
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    segments = [segment for segment in parts.path.split("/") if segment]
    for start, segment in enumerate(segments):
        ai = _SHORT_NAMES.get(segment, segment)
        if ai not in _QUALIFIERS or start + 1 >= len(segments):
            continue
        tail = segments[start:]
        if len(tail) % 2:
            if start + 2 < len(segments):
                continue  # a path prefix that happens to look like an AI
            raise InvalidIdentifier(uri, "has a key qualifier without a value")
        value = _check_key(uri, ai, tail[1])
        allowed = _QUALIFIERS[ai] + (("235",) if ai == "01" else ())
        qualifiers: list[tuple[str, str]] = []
        position = -1
        for index in range(2, len(tail), 2):
            qualifier = _SHORT_NAMES.get(tail[index], tail[index])
            if qualifier not in allowed:
                raise InvalidIdentifier(uri, f"has {qualifier!r} after AI {ai}; allowed: {', '.join(allowed) or 'none'}")
            if allowed.index(qualifier) <= position:
                raise InvalidIdentifier(uri, f"has key qualifiers out of order; expected {'/'.join(allowed)}")
            position = allowed.index(qualifier)
            pattern, low, high, what = _QUALIFIER_RULES[qualifier]
            decoded = unquote(tail[index + 1])
            if not (low <= len(decoded) <= high) or not pattern.match(decoded):
                raise InvalidIdentifier(uri, f"has {what} {decoded!r}; expected {low} to {high} valid characters")
            qualifiers.append((qualifier, tail[index + 1]))
        return DigitalLinkKey(ai, value, tuple(qualifiers))
    return None


@lru_cache(maxsize=1 << 16)
def canonical_uri(value: str) -> str | None:
    """The canonical Digital Link of an EPC URI or Digital Link, None for any other string.

    Raises `InvalidIdentifier` (or `UnsupportedIdentifier`) for a malformed one. Cached: a
    captured event's identifiers are converted when it is validated and again when it is
    hashed, and read points, locations and parties repeat across events."""
    if value.startswith("urn:epc:"):
        return CANONICAL_HOST + _from_epc_urn(value)
    if value.startswith(("http://", "https://")):
        key = parse_digital_link(value)
        return None if key is None else key.canonical_uri()
    return None


def item_key(value: str) -> tuple[str, str] | None:
    """(gtin14, serial) when `value` names one serialised trade item, else None."""
    try:
        canonical = canonical_uri(value)
    except InvalidIdentifier:
        return None
    if canonical is None:
        return None
    segments = canonical.removeprefix(CANONICAL_HOST).strip("/").split("/")
    if len(segments) == 4 and segments[0] == "01" and segments[2] == "21":
        return segments[1], unquote(segments[3])
    return None


# ---- Digital Link -> EPC URI ---------------------------------------------------------------------------

_URN_ESCAPES = {'"': "%22", "%": "%25", "&": "%26", "/": "%2F", "<": "%3C", ">": "%3E", "?": "%3F"}


def _urn_escape(raw: str) -> str:
    return "".join(_URN_ESCAPES.get(char, char) for char in raw)


def epc_uri(uri: str, company_prefix_length: int) -> str:
    """The EPC URI (pure identity, class or pattern) of a GS1 Digital Link, given the GS1 company
    prefix length of its key (a Digital Link does not carry it; GS1 publishes it per prefix)."""
    key = parse_digital_link(uri)
    if key is None:
        raise InvalidIdentifier(uri, "is not a GS1 Digital Link")
    n = company_prefix_length
    if not 6 <= n <= 12:
        raise InvalidIdentifier(uri, f"cannot be converted with company prefix length {n}; expected 6 to 12")
    q = {ai: _urn_escape(unquote(text)) for ai, text in key.qualifiers}
    v = key.value
    if key.ai in ("01", "8006"):
        cp, ref = v[1:1 + n], v[0] + v[1 + n:13]
        if key.ai == "8006":
            piece, total = v[14:16], v[16:18]
            return f"urn:epc:id:itip:{cp}.{ref}.{piece}.{total}.{q['21']}" if "21" in q else f"urn:epc:idpat:itip:{cp}.{ref}.{piece}.{total}.*"
        if "21" in q:
            return f"urn:epc:id:sgtin:{cp}.{ref}.{q['21']}"
        if "235" in q:
            return f"urn:epc:id:upui:{cp}.{ref}.{q['235']}"
        if "10" in q:
            return f"urn:epc:class:lgtin:{cp}.{ref}.{q['10']}"
        return f"urn:epc:idpat:sgtin:{cp}.{ref}.*"
    if key.ai == "00":
        return f"urn:epc:id:sscc:{v[1:1 + n]}.{v[0]}{v[1 + n:17]}"
    if key.ai in ("414", "417"):
        cp, ref = v[:n], v[n:12]
        if key.ai == "417":
            return f"urn:epc:id:pgln:{cp}.{ref}"
        return f"urn:epc:id:sgln:{cp}.{ref}.{q.get('254', '0')}"
    if key.ai in ("8017", "8018"):
        return f"urn:epc:id:{'gsrnp' if key.ai == '8017' else 'gsrn'}:{v[:n]}.{v[n:17]}"
    if key.ai == "402":
        return f"urn:epc:id:gsin:{v[:n]}.{v[n:16]}"
    if key.ai in ("253", "255", "8003"):
        offset = 1 if key.ai == "8003" else 0
        cp, ref, serial = v[offset:offset + n], v[offset + n:offset + 12], _urn_escape(unquote(v[offset + 13:]))
        scheme = {"253": "gdti", "255": "sgcn", "8003": "grai"}[key.ai]
        return f"urn:epc:id:{scheme}:{cp}.{ref}.{serial}" if serial else f"urn:epc:idpat:{scheme}:{cp}.{ref}.*"
    if key.ai in ("8004", "401"):
        scheme = "giai" if key.ai == "8004" else "ginc"
        return f"urn:epc:id:{scheme}:{v[:n]}.{_urn_escape(unquote(v[n:]))}"
    if key.ai == "8010":
        raw = unquote(v)
        ref = raw[n:].replace("#", "%23").replace("/", "%2F")
        return f"urn:epc:id:cpi:{raw[:n]}.{ref}.{q['8011']}" if "8011" in q else f"urn:epc:idpat:cpi:{raw[:n]}.{ref}.*"
    raise InvalidIdentifier(uri, f"has primary key AI {key.ai}, which has no EPC URI")


def digital_link_path_segment(raw: str) -> str:
    """A raw AI value percent-encoded for a Digital Link path segment (GS1 Digital Link 1.2, 4.2)."""
    return quote(raw, safe="$'-.;=@_")
