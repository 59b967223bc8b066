"""The auditor and admin console (/console/auditor): sign in as auditor or admin, the challenge
queue with resolution (upheld or rejected, sent from the auditor's key through the outbox and
marked pending until the indexer mirrors ``ChallengeResolved``), and participant applications
with approval (roles chosen), suspension and KYC expiry.

The page is a shell; ``web/pages/auditor.js`` fetches everything from ``/v1`` with the in-memory token.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from backend.identity.roles import Role
from backend.web.layout import render_page

AUDITOR_PATH = "/console/auditor"

router = APIRouter(include_in_schema=False)


@router.get(AUDITOR_PATH)
def auditor_console(request: Request) -> Response:
    return render_page(request, "auditor/console.html", title_key="auditor.title", module="auditor",
                       page_data={"roles": [role.value for role in Role]})
