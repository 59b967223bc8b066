"""The publisher console (/console/publisher): sign in, billed / matured / paid / pending per
campaign with "pay now", the payouts with their transaction hashes (those on their way marked
pending), the signing keys of event batches (add, list, revoke after a confirmation) and the
traffic quality by filter reason.

Nothing here is behind a credential: the page is a shell; ``web/pages/publisher.js`` fetches
everything about the signed-in publisher from ``/v1`` with the in-memory token.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from backend.ads.signatures import KeyType
from backend.web.layout import render_page

PUBLISHER_PATH = "/console/publisher"

router = APIRouter(include_in_schema=False)


@router.get(PUBLISHER_PATH)
def publisher_console(request: Request) -> Response:
    return render_page(request, "publisher/console.html", title_key="publisher.title", module="publisher",
                       page_data={"keyAlgorithms": [kind.value for kind in KeyType]})
