"""Every router of the API, assembled in one place.

The routers are included into the app one by one, each with its whole prefix, rather than
nested (an `api_router` holding a `/v1` router holding the resource routers): FastAPI
matches a request against every level of nesting again on the way down, so each level
multiplied the route lookup of every request (measured: see the commit adding this).
"""

from fastapi import APIRouter, FastAPI

from backend.api.routes import health
from backend.api.routes import auth, participants  # identity and access
from backend.api.routes import brand_reads, brand_recall, digital_link, epcis, products  # product provenance, EPCIS 2.0 REST binding
from backend.api.routes import consents, dids, offers, subjects  # data consent
from backend.api.routes import anchors, creatives  # event anchors and proofs, ad creatives on AssetRegistry
from backend.api.routes import campaigns, publishers, schemas, tokens  # ad campaigns, tokens, reports
from backend.api.routes import events, signing_keys, traffic  # ad events: signed batches, publisher keys, traffic
from backend.api.routes import challenges, payouts, proofs, settlements  # settlement, payouts, disputes, proofs
from backend.api.routes import attestations  # co-signing settlements

V1_PREFIX = "/v1"

# Resource routers under /v1: add one line per resource.
v1_routers: list[APIRouter] = [
    participants.router,
    auth.router,
    products.router,
    brand_reads.router,  # the brand console's reads
    brand_recall.router,  # a brand's product recall
    dids.router,
    consents.router,
    subjects.router,
    offers.router,
    anchors.router,
    creatives.router,
    campaigns.router,
    tokens.router,
    publishers.router,
    schemas.router,
    events.router,
    signing_keys.router,
    traffic.router,
    settlements.router,
    attestations.router,
    payouts.router,
    challenges.router,
    proofs.router,
]

# Matched before all others, busiest first. FastAPI 0.163 tries an app's routes one by one
# (about 6 µs each, whole prefix included), so the data read at its place in the list above
# spent 230 µs finding its route and an event batch 380 µs. No path one of these routers
# answers can match a route of any other router (tests/api/test_route_order.py), so going
# first changes no request's route.
hot_routers: list[tuple[APIRouter, str]] = [
    (digital_link.router, ""),  # every product scan
    (events.router, V1_PREFIX),  # every signed event batch
    (subjects.router, V1_PREFIX),  # every consent-checked data read
]

# (router, prefix) in matching order.
api_routers: list[tuple[APIRouter, str]] = [
    *hot_routers,
    (health.router, ""),
    (epcis.router, ""),  # the GS1 EPCIS 2.0 REST binding, beside /v1
    *((router, V1_PREFIX) for router in v1_routers if all(router is not hot for hot, _ in hot_routers)),
]


def include_api(app: FastAPI) -> None:
    """Every API router, each included directly into `app` (one level of nesting)."""
    for router, prefix in api_routers:
        app.include_router(router, prefix=prefix)
