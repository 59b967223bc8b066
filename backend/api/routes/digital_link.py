"""The GS1 Digital Link path ``/01/{gtin}/21/{serial}`` that product QR codes point to.

Public and outside /v1: a phone opening the QR code gets the HTML page; a client sending
``Accept: application/json`` gets the same facts as JSON. Every request is recorded as a
scan (keyed client id and country only) before the verdict is computed, so the
cloned-code signals include it. A URL written by an NTAG 424 DNA tag carries ``e`` and
``c`` (SUN): verified, and its counter must beat the tag's last one. Responses are never
cached: the verdict can change.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.convertors import StringConvertor, register_url_convertor
from sqlmodel import Session

from backend.api.auth import clock_of
from backend.api.errors import ApiError
from backend.api.limits import check_ip_and_item
from backend.api.hot_threads import hot_threads
from backend.api.routes.products import keys_of
from backend.core.config import Settings
from backend.core.db import engine_for
from backend.limits.limiter import LimitClass
from backend.provenance import dl_compression, resolver, service, sun
from backend.provenance.derived_keys import ProvenanceKeys
from backend.provenance.digital_link import DigitalLink, InvalidDigitalLink, build
from backend.provenance.chain import REGISTRY
from backend.provenance.mirror_facts import MirrorChainFacts
from backend.provenance.page import ChainFacts, ProductPage, RecordedChainFacts, record_scan_and_build_page
from backend.provenance.scan_signals import SAMPLE_IP_TABLE, IpCountryTable, client_key, is_link_preview
from backend.provenance.service import ScanRecord, TagCheck
from backend.web.render import link_error_html, product_html, product_json
from contracts.deployment import DeploymentManifest, ManifestError

router = APIRouter(tags=["digital link"])

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Vary": "Accept",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@lru_cache(maxsize=4)
def ip_table(path: Path) -> IpCountryTable:
    return IpCountryTable.load(path)


@lru_cache(maxsize=4)
def _registry_in(manifest_path: Path, modified: float) -> str | None:
    try:
        return DeploymentManifest.load(manifest_path).address(REGISTRY)
    except ManifestError:
        return None


def chain_facts(settings: Settings) -> ChainFacts:
    """The indexer's mirror once ProvenanceRegistry is deployed; before that, what the backend recorded."""
    path = settings.manifest_path
    registry = _registry_in(path, path.stat().st_mtime) if path.exists() else None
    return RecordedChainFacts() if registry is None else MirrorChainFacts.of(registry)


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def malformed_link(request: Request, exc: InvalidDigitalLink) -> Response:
    """A malformed link is a 400 (GS1 resolver rules): a browser gets a page saying so, any other
    client the API's JSON error."""
    if wants_html(request):
        return HTMLResponse(link_error_html(str(exc)), status_code=400, headers=SECURITY_HEADERS)
    raise ApiError(400, "invalid_digital_link", str(exc))


def tag_check(session: Session, keys: ProvenanceKeys, gtin14: str, serial: str, e: str, c: str) -> TagCheck:
    try:
        reading = sun.verify(e, c, keys.sun.meta_read_key, keys.sun.file_read_key)
    except sun.InvalidSunMessage:
        return TagCheck(forged=True, replayed=False)
    return service.check_tag(session, gtin14=gtin14, serial=serial, reading=reading)


def _sun_parameter(request: Request, name: str, max_length: int) -> str | None:
    value = request.query_params.get(name)
    if value is not None and len(value) > max_length:
        raise ApiError(422, "invalid_request", f"query parameter {name} is longer than {max_length} characters")
    return value


async def product_page(request: Request) -> Response:
    """The consumer page of one item: verdict, product, and its anchored history.

    Query parameters ``e`` (NTAG 424 DNA encrypted PICC data, <= 64 hex) and ``c`` (SUN MAC,
    <= 32 hex) come from a tag's URL.
    """
    try:
        link = build(request.path_params["gtin"], request.path_params["serial"])
    except InvalidDigitalLink as exc:
        return malformed_link(request, exc)
    return await resolve(request, link)


async def resolve(request: Request, link: DigitalLink, extra_links: str = "") -> Response:
    """GS1 resolver rules: ``linkType`` (linkset/all, a GS1 link type, or unknown -> default),
    else ``Accept: application/linkset+json``, else the product page (the default link)."""
    base = str(request.base_url)
    links_header = resolver.link_header(link, base) + extra_links
    headers = {**SECURITY_HEADERS, "Link": links_header}
    raw_type = request.query_params.get("linkType")
    wanted = None
    if raw_type is not None:
        try:
            wanted = resolver.link_type(raw_type)
        except resolver.InvalidLinkType as exc:
            raise ApiError(400, "invalid_link_type", str(exc)) from None
    if wanted == resolver.WHOLE_LINKSET or (wanted is None and resolver.LINKSET_TYPE in request.headers.get("accept", "")):
        return JSONResponse(resolver.linkset(link, base), headers=headers, media_type=resolver.LINKSET_TYPE)
    if wanted is not None and (href := resolver.target(link, base, wanted)) is not None:
        return Response(status_code=307, headers={**headers, "Location": href})
    e, c = _sun_parameter(request, "e", 64), _sun_parameter(request, "c", 32)
    # before the scan is recorded: a refused scan leaves no row
    check_ip_and_item(request, LimitClass.SCANS_PER_IP, LimitClass.SCANS_PER_SERIAL, link.gtin, link.serial)
    settings: Settings = request.app.state.settings
    user_agent = request.headers.get("user-agent", "")
    ip = request.client.host if request.client else ""
    # All database work in one call on the hot routes' own threads (backend/api/hot_threads.py).
    page = await hot_threads().run(scan_and_build, settings, link, ip, user_agent, clock_of(request), e, c)
    if wants_json(request):
        return JSONResponse(product_json(page), headers=headers)
    return HTMLResponse(product_html(page), headers=headers)


# A plain Starlette route, not a FastAPI one: the page is what every scan of every product
# opens, and dependency injection and validation took a third of its CPU time (measured:
# 2.3 -> 1.5 ms per request). It is outside /v1 and takes no credentials, so the access
# policies have nothing to check here.
router.add_route("/01/{gtin}/21/{serial}", product_page, methods=["GET"], include_in_schema=False)


async def well_known(request: Request) -> Response:
    """The resolver description (GS1 Digital Link resolver conformance)."""
    return JSONResponse(resolver.description(str(request.base_url)), headers={"Cache-Control": "max-age=3600"})


async def compressed_link(request: Request) -> Response:
    """A compressed Digital Link (``/ARFKk4XBoEKFQg``): decompressed, then resolved as the
    uncompressed one, with ``Link: <canonical>; rel="owl:sameAs"``."""
    segment = request.path_params["compressed"]
    try:
        link = dl_compression.decompress(segment)
    except InvalidDigitalLink as exc:
        return malformed_link(request, exc)
    return await resolve(request, link, f', <{link.uri()}>; rel="owl:sameAs"')


class CompressedLink(StringConvertor):
    regex = dl_compression.COMPRESSED_PATTERN


register_url_convertor("gs1dl", CompressedLink())

# Included last (backend/api/main.py); only a segment shaped like a compressed GTIN link matches.
compressed_router = APIRouter(tags=["digital link"])
compressed_router.add_route("/{compressed:gs1dl}", compressed_link, methods=["GET"], include_in_schema=False)

router.add_route("/.well-known/gs1resolver", well_known, methods=["GET"], include_in_schema=False)


def scan_and_build(
    settings: Settings, link: DigitalLink, ip: str, user_agent: str, now: datetime, e: str | None, c: str | None
) -> ProductPage:
    """Record the scan and build the page in one transaction: the page reads its own scan."""
    keys = keys_of(settings)
    scan = ScanRecord(
        gtin=link.gtin,
        serial=link.serial,
        client=client_key(keys.scanner_key, ip, user_agent),
        country=ip_table(settings.ip_country_table or SAMPLE_IP_TABLE).country(ip),
        link_preview=is_link_preview(user_agent),
        at=now,
    )
    tapped = e is not None and c is not None
    # A tag's counter is replay protection: that commit waits for the disk. A plain scan's does
    # not: waiting ~4 ms for the disk on every page load was rejected; a crash can lose the
    # last fraction of a second's scans, which only weakens a cloned-code signal for that moment.
    return record_scan_and_build_page(
        engine_for(settings.database_url, durable_commits=tapped),
        scan,
        chain=chain_facts(settings),
        check_tag=(lambda session: tag_check(session, keys, link.gtin, link.serial, e, c)) if tapped else None,
    )
