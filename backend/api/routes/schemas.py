"""Published JSON schemas: what a request document must look like, fetchable by clients."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backend.campaigns.terms import terms_schema
from backend.api.auth import public

router = APIRouter(prefix="/schemas", tags=["schemas"])


@router.get("/campaign-terms.v1.json", dependencies=[public()], response_class=JSONResponse)
def campaign_terms_schema() -> JSONResponse:
    """JSON Schema (draft 2020-12) of campaign pricing terms; amounts are integers in base units."""
    return JSONResponse(terms_schema(), media_type="application/schema+json")
