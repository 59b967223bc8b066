"""Every router of the API, assembled in one place."""

from fastapi import APIRouter

from backend.api.routes import health
from backend.api.routes import auth, participants  # identity and access
from backend.api.routes import brand_reads, brand_recall, digital_link, epcis, products  # product provenance, EPCIS 2.0 REST binding
from backend.api.routes import consents, dids, offers, subjects  # data consent
from backend.api.routes import anchors, creatives  # event anchors and proofs, ad creatives on AssetRegistry
from backend.api.routes import campaigns, publishers, schemas, tokens  # ad campaigns, tokens, reports
from backend.api.routes import events, signing_keys, traffic  # ad events: signed batches, publisher keys, traffic
from backend.api.routes import challenges, payouts, proofs, settlements  # settlement, payouts, disputes, proofs
from backend.api.routes import attestations  # co-signing settlements

# Resource routers under /v1: add one `v1_router.include_router(...)` line per resource.
v1_router = APIRouter(prefix="/v1")
v1_router.include_router(participants.router)
v1_router.include_router(auth.router)
v1_router.include_router(products.router)
v1_router.include_router(brand_reads.router)  # the brand console's reads
v1_router.include_router(brand_recall.router)  # a brand's product recall
v1_router.include_router(dids.router)
v1_router.include_router(consents.router)
v1_router.include_router(subjects.router)
v1_router.include_router(offers.router)
v1_router.include_router(anchors.router)
v1_router.include_router(creatives.router)
v1_router.include_router(campaigns.router)
v1_router.include_router(tokens.router)
v1_router.include_router(publishers.router)
v1_router.include_router(schemas.router)
v1_router.include_router(events.router)
v1_router.include_router(signing_keys.router)
v1_router.include_router(traffic.router)
v1_router.include_router(settlements.router)
v1_router.include_router(attestations.router)
v1_router.include_router(payouts.router)
v1_router.include_router(challenges.router)
v1_router.include_router(proofs.router)

api_router = APIRouter()
api_router.include_router(digital_link.router)  # first: every product scan is matched against it
api_router.include_router(health.router)
api_router.include_router(epcis.router)  # the GS1 EPCIS 2.0 REST binding, beside /v1
api_router.include_router(v1_router)
