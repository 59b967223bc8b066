"""The brand console (/console/brand): sign in, products with their serial batches and recall state,
per-serial QR codes (PNG and SVG) and a printable sheet of a serial range, a serial's EPCIS history
with anchoring status, scan analytics (scans per day, clone signals, first-scan claims), recall.

The page is a shell; ``web/pages/brand.js`` fetches everything from ``/v1`` with the in-memory
token. QR images stay brand-only (they would tell anyone which serials exist): the page fetches
them as blobs with the token and shows them as data: URLs, also on the printable sheet,
which is a section of this page printed alone by ``@media print``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from backend.web.layout import render_page

BRAND_PATH = "/console/brand"

router = APIRouter(include_in_schema=False)


@router.get(BRAND_PATH)
def brand_console(request: Request) -> Response:
    return render_page(request, "brand/console.html", title_key="brand.title", module="brand")
