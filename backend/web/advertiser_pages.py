"""The advertiser console (/console/advertiser): sign in, campaigns with their mirror status,
create a campaign (terms checked by the API against campaign-terms.v1.json, its refusals shown
next to the fields), fund and top up with the custodial key, spend and traffic charts, the
settlement timeline with challenges, and event proofs checked in the browser against the chain
(web/lib/event-proof.js) at the escrow the deployment manifest names.

Nothing here is behind a credential: the page is a shell; ``web/pages/advertiser.js`` fetches
everything about the signed-in advertiser from ``/v1`` with the in-memory token.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from backend.campaigns.schemas import TERMS_SCHEMA_PATH
from backend.web.layout import render_page
from contracts.deployment import DeploymentManifest, ManifestError

ADVERTISER_PATH = "/console/advertiser"

router = APIRouter(include_in_schema=False)


def deployment_of(manifest_path) -> dict | None:
    """The chain id and escrow a proof must name; None before the contracts are deployed."""
    try:
        manifest = DeploymentManifest.load(manifest_path)
        return {"chainId": manifest.chain_id, "escrow": manifest.address("CampaignEscrow")}
    except ManifestError:
        return None


@router.get(ADVERTISER_PATH)
def advertiser_console(request: Request) -> Response:
    chain = deployment_of(request.app.state.settings.manifest_path)
    return render_page(request, "advertiser/console.html", title_key="advertiser.title", module="advertiser",
                       page_data={"termsSchema": TERMS_SCHEMA_PATH, "chain": chain})
