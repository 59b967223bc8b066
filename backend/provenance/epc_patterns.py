"""EPC pattern URIs (``urn:epc:idpat:``, GS1 Tag Data Standard 2.x section 6.5) as SQL ``LIKE``
patterns over the canonical Digital Links the identifier index keeps.

The query interface's ``MATCH_`` parameters take pattern URIs beside plain identifiers
(EPCIS 2.0 section 8.2.7.1): ``urn:epc:idpat:sgtin:0614141.107346.*`` names every serial of
one GTIN, ``urn:epc:idpat:sgtin:0614141.*.*`` every item of one company prefix,
``urn:epc:idpat:sgtin:*.*.*`` every SGTIN. A pattern's wildcards are trailing whole fields;
a known field is checked as in a pure identity URI.

The index holds Digital Links, which carry no company-prefix boundary. A company-prefix
pattern therefore matches every key whose digits at the prefix's place are those digits:
``0614141.*.*`` also matches items of a longer prefix beginning ``0614141``. That is the
one place where this differs from matching EPC URIs, and no Digital Link-based store can
do better without the GS1 company-prefix length table.

Instance patterns (``MATCH_epc``, ``MATCH_anyEPC``, ...) match instance keys; a class
pattern (``MATCH_epcClass`` with ``urn:epc:idpat:sgtin:cp.ref.*``) matches the GTIN class
and each of its lots (``urn:epc:class:lgtin``).
"""

from __future__ import annotations

from backend.provenance.identifiers import CANONICAL_HOST, InvalidIdentifier, UnknownEpcScheme, canonical_uri

PATTERN_PREFIX = "urn:epc:idpat:"
ESCAPE = "\\"

# fields of each scheme's URI body (TDS 2.x), wildcards included
_FIELD_COUNTS = {
    "sgtin": 3, "upui": 3, "itip": 5, "sscc": 2, "sgln": 3, "grai": 3, "giai": 2, "ginc": 2,
    "gsrn": 2, "gsrnp": 2, "gdti": 3, "sgcn": 3, "cpi": 3, "gsin": 2, "pgln": 2,
}


def is_pattern(value: str) -> bool:
    return value.startswith(PATTERN_PREFIX)


def _literal(text: str) -> str:
    """`text` with LIKE's metacharacters escaped."""
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def _any(count: int) -> str:
    return "_" * count


def _known_prefix(value: str, company_prefix: str) -> str:
    if not (company_prefix.isascii() and company_prefix.isdigit() and 6 <= len(company_prefix) <= 12):
        raise InvalidIdentifier(value, f"has company prefix {company_prefix!r}; expected 6 to 12 digits")
    return company_prefix


def _split(value: str) -> tuple[str, list[str], int]:
    """(scheme, fields, number of known leading fields) of a pattern URI."""
    parts = value.split(":", 4)
    if len(parts) != 5 or parts[2] != "idpat":
        raise InvalidIdentifier(value, "is not an EPC pattern URI (urn:epc:idpat:<scheme>:<fields>)")
    scheme, body = parts[3], parts[4]
    if scheme not in _FIELD_COUNTS:
        raise UnknownEpcScheme(value, f"is an EPC pattern of scheme {scheme!r}, which is not a GS1 key")
    fields = body.split(".")
    if len(fields) != _FIELD_COUNTS[scheme]:
        raise InvalidIdentifier(value, f"must have {_FIELD_COUNTS[scheme]} dot-separated fields after the scheme, "
                                       f"not {len(fields)}")
    known = next((index for index, field in enumerate(fields) if field == "*"), len(fields))
    if known == len(fields):
        raise InvalidIdentifier(value, "is a pattern without a wildcard; use urn:epc:id: for one identifier")
    if any(field != "*" for field in fields[known:]):
        raise InvalidIdentifier(value, "has a wildcard before a known field; only trailing fields may be '*'")
    return scheme, fields, known


def _key_of(value: str, scheme: str, fields: list[str]) -> str:
    """The canonical path of the pattern's known fields completed with a placeholder serial, cut
    before the serial: the exact key text the known fields determine."""
    pure = f"urn:epc:id:{scheme}:" + ".".join(fields)
    try:
        return (canonical_uri(pure) or "").removeprefix(CANONICAL_HOST)
    except InvalidIdentifier as exc:
        raise InvalidIdentifier(value, exc.reason) from None


def instance_patterns(value: str) -> tuple[str, ...]:
    """LIKE patterns (escape ``\\``) over canonical keys matching the instances a pattern URI names.

    Raises `InvalidIdentifier` for a malformed pattern."""
    scheme, fields, known = _split(value)
    host = _literal(CANONICAL_HOST)
    cp = _known_prefix(value, fields[0]) if known >= 1 else None

    if scheme in ("sgtin", "upui", "itip"):
        tail = "/235/%" if scheme == "upui" else "/21/%"
        ai = "/8006/" if scheme == "itip" else "/01/"
        if scheme == "itip" and known >= 2:
            # GTIN known; piece and total are two digits each, known or not
            gtin = _key_of(value, "sgtin", [fields[0], fields[1], "0"]).split("/")[2]
            for index in range(2, known):
                if not (len(fields[index]) == 2 and fields[index].isdigit()):
                    raise InvalidIdentifier(value, f"has {('piece number', 'total count')[index - 2]} "
                                                   f"{fields[index]!r}; expected 2 digits")
            extra = "".join(fields[index] if index < known else _any(2) for index in (2, 3))
            return (host + ai + gtin + extra + tail,)
        if known >= 2:
            gtin = _key_of(value, "sgtin", [fields[0], fields[1], "0"]).split("/")[2]
            return (host + ai + gtin + tail,)
        digits = _any(1) + cp + _any(13 - len(cp)) if cp else _any(14)
        return (host + ai + digits + (_any(4) if scheme == "itip" else "") + tail,)
    if scheme == "sgln":
        if known >= 2:
            gln = _key_of(value, scheme, [fields[0], fields[1], "0"]).split("/")[2]
        else:
            gln = cp + _any(13 - len(cp)) if cp else _any(13)
        return (host + "/414/" + gln, host + "/414/" + gln + "/254/%")
    if scheme in ("grai", "gdti", "sgcn"):
        ai = {"grai": "/8003/0", "gdti": "/253/", "sgcn": "/255/"}[scheme]
        if known >= 2:
            placeholder = "1"
            key = _key_of(value, scheme, [fields[0], fields[1], placeholder])
            digits = key.removeprefix(ai)[:-len(placeholder)]
        else:
            digits = cp + _any(13 - len(cp)) if cp else _any(13)
        return (host + ai + digits + "_%",)
    if scheme == "cpi":
        if known >= 2:
            reference = _key_of(value, scheme, [fields[0], fields[1], "0"]).split("/")[2]
            return (host + "/8010/" + _literal(reference) + "/8011/%",)
        return (host + "/8010/" + (cp if cp else "") + "%/8011/%",)
    # two-field keys: company prefix, then a reference that is the wildcard
    fixed = {"sscc": ("/00/", 18), "gsrn": ("/8018/", 18), "gsrnp": ("/8017/", 18), "gsin": ("/402/", 17),
             "pgln": ("/417/", 13)}
    if scheme in fixed:
        ai, length = fixed[scheme]
        if scheme == "sscc":  # the extension digit comes first
            return (host + ai + (_any(1) + cp + _any(length - 1 - len(cp)) if cp else _any(length)),)
        return (host + ai + (cp + _any(length - len(cp)) if cp else _any(length)),)
    ai = "/8004/" if scheme == "giai" else "/401/"
    return (host + ai + (cp or "") + "_%",)


def class_patterns(value: str) -> tuple[str, ...]:
    """LIKE patterns over class keys: a GTIN class pattern matches the GTIN and each of its lots."""
    scheme, fields, known = _split(value)
    if scheme != "sgtin":
        raise UnknownEpcScheme(value, f"is an EPC pattern of scheme {scheme!r}, which names no class of trade items")
    host = _literal(CANONICAL_HOST)
    if known >= 2:
        gtin = _key_of(value, "sgtin", [fields[0], fields[1], "0"]).split("/")[2]
    else:
        cp = _known_prefix(value, fields[0]) if known else None
        gtin = _any(1) + cp + _any(13 - len(cp)) if cp else _any(14)
    return (host + "/01/" + gtin, host + "/01/" + gtin + "/10/%")
