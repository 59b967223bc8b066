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
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from backend.api.auth import NowDep
from backend.api.errors import ApiError
from backend.api.routes.products import keys_of
from backend.core.config import Settings
from backend.core.db import engine_for
from backend.provenance import service, sun
from backend.provenance.derived_keys import ProvenanceKeys
from backend.provenance.digital_link import DigitalLink, InvalidDigitalLink, build
from backend.provenance.chain import REGISTRY
from backend.provenance.mirror_facts import MirrorChainFacts
from backend.provenance.page import ChainFacts, ProductPage, RecordedChainFacts, build_page
from backend.provenance.scan_signals import SAMPLE_IP_TABLE, IpCountryTable, client_key, is_link_preview
from backend.provenance.service import TagCheck
from backend.web.render import product_html, product_json
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


def tag_check(session: Session, keys: ProvenanceKeys, gtin14: str, serial: str, e: str, c: str) -> TagCheck:
    try:
        reading = sun.verify(e, c, keys.sun.meta_read_key, keys.sun.file_read_key)
    except sun.InvalidSunMessage:
        return TagCheck(forged=True, replayed=False)
    return service.check_tag(session, gtin14=gtin14, serial=serial, reading=reading)


async def app_settings(request: Request) -> Settings:
    # async: the page is the hottest route, and every sync dependency is a thread hop.
    return request.app.state.settings


@router.get("/01/{gtin}/21/{serial}", response_class=HTMLResponse)
async def product_page(
    gtin: str,
    serial: str,
    request: Request,
    settings: Annotated[Settings, Depends(app_settings)],
    now: NowDep,
    e: str | None = Query(None, max_length=64, description="NTAG 424 DNA: encrypted PICC data"),
    c: str | None = Query(None, max_length=32, description="NTAG 424 DNA: SUN MAC"),
) -> Response:
    """The consumer page of one item: verdict, product, and its anchored history."""
    try:
        link = build(gtin, serial)
    except InvalidDigitalLink as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    user_agent = request.headers.get("user-agent", "")
    ip = request.client.host if request.client else ""
    # All database work in one worker-thread call (a session per request, as SessionDep gives).
    page = await run_in_threadpool(scan_and_build, settings, link, ip, user_agent, now, e, c)
    if wants_json(request):
        return JSONResponse(product_json(page), headers=SECURITY_HEADERS)
    return HTMLResponse(product_html(page), headers=SECURITY_HEADERS)


def scan_and_build(
    settings: Settings, link: DigitalLink, ip: str, user_agent: str, now: datetime, e: str | None, c: str | None
) -> ProductPage:
    """Record the scan and build the page in one transaction: the page reads its own scan."""
    keys = keys_of(settings)
    tapped = e is not None and c is not None
    with Session(engine_for(settings.database_url)) as session:
        if not tapped:  # a tag's counter is replay protection: that commit waits for the disk
            service.without_durable_commit(session)
        service.record_scan(
            session,
            gtin=link.gtin,
            serial=link.serial,
            client=client_key(keys.scanner_key, ip, user_agent),
            country=ip_table(settings.ip_country_table or SAMPLE_IP_TABLE).country(ip),
            link_preview=is_link_preview(user_agent),
            at=now,
        )
        tag = tag_check(session, keys, link.gtin, link.serial, e, c) if tapped else None
        page = build_page(session, gtin=link.gtin, serial=link.serial, now=now, chain=chain_facts(settings), tag=tag)
        session.commit()
    return page
