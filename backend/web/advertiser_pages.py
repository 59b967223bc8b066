"""The advertiser console (/console/advertiser): sign in, campaigns with their mirror status,
create a campaign (terms checked by the API against campaign-terms.v1.json, its refusals shown
next to the fields), fund and top up with the custodial key, spend and traffic charts, the
settlement timeline with challenges, and event proofs.

Nothing here is behind a credential: the page is a shell; ``web/pages/advertiser.js`` fetches
everything about the signed-in advertiser from ``/v1`` with the in-memory token.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from backend.campaigns.schemas import TERMS_SCHEMA_PATH
from backend.web.layout import render_page

ADVERTISER_PATH = "/console/advertiser"

router = APIRouter(include_in_schema=False)


@router.get(ADVERTISER_PATH)
def advertiser_console(request: Request) -> Response:
    return render_page(request, "advertiser/console.html", title_key="advertiser.title", module="advertiser",
                       page_data={"termsSchema": TERMS_SCHEMA_PATH})
