"""A brand's reads of its own products for the brand console: the catalogue and serial batches,
a batch's serials, one serial's EPCIS history with anchoring status, scan analytics."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from backend.api.auth import NowDep
from backend.api.deps import SessionDep, SettingsDep
from backend.api.routes.digital_link import chain_facts
from backend.api.routes.products import BrandGrant, _own_item_link, _own_product
from backend.provenance import brand_view

router = APIRouter(prefix="/products", tags=["provenance"])


@router.get("")
def list_products(
    grant: BrandGrant,
    session: SessionDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=brand_view.MAX_PRODUCTS_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[brand_view.ProductSummary]:
    """This brand's products, newest first, with their serial batches (range, count, claims) and recall
    state: `limit` of them from `offset` (ask for one more than you show to know whether more follow)."""
    return brand_view.products_of(session, grant.participant.id, chain_facts(settings), limit=limit, offset=offset)


@router.get("/{gtin}/serials")
def list_serials(
    gtin: str,
    grant: BrandGrant,
    session: SessionDep,
    batch: uuid.UUID | None = None,
    after: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=brand_view.MAX_SERIALS_PAGE)] = 100,
) -> brand_view.SerialPage:
    """A page of the product's serials (of one batch if given), in serial order; `after` pages on."""
    product = _own_product(session, grant, gtin)
    return brand_view.serials_of(session, product, batch_id=batch, after=after, limit=limit)


@router.get("/{gtin}/scans")
def scan_analytics(
    gtin: str, grant: BrandGrant, session: SessionDep, now: NowDep, days: Annotated[int, Query(ge=1, le=366)] = 30
) -> brand_view.ScanAnalytics:
    """Scans per UTC day over the last `days`, serials with clone signals, the latest first-scan claims."""
    product = _own_product(session, grant, gtin)
    return brand_view.scan_analytics(session, product, until=now, days=days)


@router.get("/{gtin}/{serial}/history")
def serial_history(gtin: str, serial: str, grant: BrandGrant, session: SessionDep) -> list[brand_view.HistoryEntry]:
    """The serial's EPCIS events in event-time order with their anchoring status ("pending" until batched)."""
    link = _own_item_link(session, grant, gtin, serial)
    return brand_view.serial_history(session, link.gtin, link.serial)
