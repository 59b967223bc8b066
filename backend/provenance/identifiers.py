"""EPC URIs and GS1 Digital Link URIs mapped to one canonical form, ``https://id.gs1.org/...``.

Events name the same item as ``urn:epc:id:sgtin:...`` or as a Digital Link on any
resolver; the event hash (CBV 2.0 rules 17-18) and the link from an event to a
registered product both need one spelling. Only the key schemes this service meets
are converted; any other ``urn:epc:`` scheme is refused rather than hashed as text,
because hashing it unconverted would give a different hash than a conforming tool.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from backend.provenance.gtin import check_digit, has_valid_check_digit, normalise_gtin, InvalidGtin

CANONICAL_HOST = "https://id.gs1.org"

# Primary keys and the single finest qualifier kept with each (CBV 2.0 rule 18).
_QUALIFIERS = {
    "00": (),
    "01": ("21", "10", "235"),
    "253": (),
    "255": (),
    "401": (),
    "402": (),
    "414": ("254",),
    "417": (),
    "8003": (),
    "8004": (),
    "8006": ("21", "10"),
    "8010": ("8011",),
    "8017": (),
    "8018": (),
}


class UnsupportedIdentifier(ValueError):
    pass


def _company_key(company_prefix: str, reference: str, parts: str) -> tuple[str, str]:
    if not (company_prefix.isdigit() and reference.isdigit()):
        raise UnsupportedIdentifier(f"{parts!r}: company prefix and reference must be digits")
    return company_prefix, reference


def _gtin(company_prefix: str, item_reference: str, uri: str) -> str:
    _company_key(company_prefix, item_reference, uri)
    if len(company_prefix) + len(item_reference) != 13:
        raise UnsupportedIdentifier(f"{uri!r}: company prefix and item reference must total 13 digits")
    body = item_reference[0] + company_prefix + item_reference[1:]
    return body + str(check_digit(body))


def _gln(company_prefix: str, location_reference: str, uri: str) -> str:
    _company_key(company_prefix, location_reference, uri)
    if len(company_prefix) + len(location_reference) != 12:
        raise UnsupportedIdentifier(f"{uri!r}: company prefix and location reference must total 12 digits")
    body = company_prefix + location_reference
    return body + str(check_digit(body))


def _from_epc_urn(uri: str) -> str:
    head, _, body = uri.rpartition(":")
    fields = body.split(".")
    scheme = head.removeprefix("urn:epc:")
    if scheme == "id:sgtin" and len(fields) == 3:
        return f"/01/{_gtin(fields[0], fields[1], uri)}/21/{fields[2]}"
    if scheme == "class:lgtin" and len(fields) == 3:
        return f"/01/{_gtin(fields[0], fields[1], uri)}/10/{fields[2]}"
    if scheme == "idpat:sgtin" and len(fields) == 3 and fields[2] == "*":
        return f"/01/{_gtin(fields[0], fields[1], uri)}"
    if scheme == "id:sscc" and len(fields) == 2:
        _company_key(fields[0], fields[1], uri)
        if len(fields[0]) + len(fields[1]) != 17:
            raise UnsupportedIdentifier(f"{uri!r}: company prefix and serial reference must total 17 digits")
        body18 = fields[1][0] + fields[0] + fields[1][1:]
        return f"/00/{body18}{check_digit(body18)}"
    if scheme == "id:sgln" and len(fields) == 3:
        gln = _gln(fields[0], fields[1], uri)
        return f"/414/{gln}" if fields[2] == "0" else f"/414/{gln}/254/{fields[2]}"
    if scheme == "id:pgln" and len(fields) == 2:
        return f"/417/{_gln(fields[0], fields[1], uri)}"
    if scheme == "id:gdti" and len(fields) == 3:
        return f"/253/{_gln(fields[0], fields[1], uri)}{fields[2]}"
    if scheme == "id:grai" and len(fields) == 3:
        return f"/8003/0{_gln(fields[0], fields[1], uri)}{fields[2]}"
    if scheme == "id:giai" and len(fields) == 2 and fields[0].isdigit():
        return f"/8004/{fields[0]}{fields[1]}"
    raise UnsupportedIdentifier(f"{uri!r} is not a supported EPC URI (sgtin, sscc, sgln, pgln, gdti, grai, giai, lgtin)")


def _digital_link_path(uri: str) -> str | None:
    parts = urlsplit(uri)
    segments = [segment for segment in parts.path.split("/") if segment]
    for start, key in enumerate(segments):
        if key not in _QUALIFIERS or start + 1 >= len(segments):
            continue
        tail = segments[start:]
        if len(tail) % 2:
            continue
        pairs = dict(zip(tail[0::2], tail[1::2]))
        value = pairs[key]
        if key == "01":
            try:
                value = normalise_gtin(value)
            except InvalidGtin:
                return None
        elif key in ("00", "414", "417") and not has_valid_check_digit(value):
            return None
        path = f"/{key}/{value}"
        for qualifier in _QUALIFIERS[key]:
            if qualifier in pairs:
                return f"{path}/{qualifier}/{pairs[qualifier]}"
        return path
    return None


def canonical_uri(value: str) -> str | None:
    """The canonical Digital Link of an EPC URI or Digital Link, None for any other string."""
    if value.startswith("urn:epc:"):
        return CANONICAL_HOST + _from_epc_urn(value)
    if value.startswith(("http://", "https://")):
        path = _digital_link_path(value)
        return None if path is None else CANONICAL_HOST + path
    return None


def item_key(value: str) -> tuple[str, str] | None:
    """(gtin14, serial) when `value` names one serialised trade item, else None."""
    try:
        canonical = canonical_uri(value)
    except UnsupportedIdentifier:
        return None
    if canonical is None:
        return None
    segments = canonical.removeprefix(CANONICAL_HOST).strip("/").split("/")
    if len(segments) == 4 and segments[0] == "01" and segments[2] == "21":
        return segments[1], unquote(segments[3])
    return None
