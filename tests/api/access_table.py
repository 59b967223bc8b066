"""Who may call each /v1 endpoint: the intended access, one line per endpoint.

The authorization matrix checks every route's declared policy against this table and
then probes the running API with every kind of caller. A new endpoint fails the matrix
until its line is added here (the failure message prints the line its policy implies),
so a wrong declaration needs a second, reviewed mistake to pass.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.campaigns.models import Campaign
from backend.identity.models import ApiKey, Participant
from backend.identity.roles import ALL_ROLES, Role


@dataclass(frozen=True)
class Expect:
    roles: frozenset[Role] = frozenset()
    owner: type | None = None  # model of the owned resource named in the path
    all_tenants: frozenset[Role] = frozenset()  # roles that act on every participant's resources
    pending_ok: bool = False
    public: bool = False


def allow(*roles: Role, owner: type | None = None, all_tenants: tuple[Role, ...] = (), pending_ok: bool = False):
    return Expect(frozenset(roles), owner, frozenset(all_tenants), pending_ok)


PUBLIC = Expect(public=True)
ANY = tuple(sorted(ALL_ROLES))
OFFICERS = (Role.ADMIN, Role.KYC_OFFICER)

ACCESS: dict[str, Expect] = {
    "POST /v1/participants": PUBLIC,
    "GET /v1/participants": allow(*OFFICERS, all_tenants=OFFICERS),
    "GET /v1/participants/me": allow(*ANY, pending_ok=True),
    "GET /v1/participants/{participant_id}": allow(*ANY, owner=Participant, all_tenants=OFFICERS),
    "POST /v1/participants/{participant_id}/approve": allow(Role.ADMIN, owner=Participant, all_tenants=(Role.ADMIN,)),
    "POST /v1/participants/{participant_id}/suspend": allow(*OFFICERS, owner=Participant, all_tenants=OFFICERS),
    "POST /v1/participants/{participant_id}/unsuspend": allow(*OFFICERS, owner=Participant, all_tenants=OFFICERS),
    "POST /v1/participants/{participant_id}/kyc": allow(*OFFICERS, owner=Participant, all_tenants=OFFICERS),
    "POST /v1/participants/{participant_id}/api-keys": allow(Role.ADMIN, owner=Participant, all_tenants=(Role.ADMIN,)),
    "POST /v1/auth/nonce": PUBLIC,
    "POST /v1/auth/siwe": PUBLIC,
    "POST /v1/auth/logout": allow(*ANY),
    "POST /v1/auth/api-keys": allow(*ANY),
    "GET /v1/auth/api-keys": allow(*ANY),
    "DELETE /v1/auth/api-keys/{key_id}": allow(*ANY, owner=ApiKey, all_tenants=(Role.ADMIN,)),
    "POST /v1/products": allow(Role.BRAND),
    "POST /v1/products/{gtin}/serials": allow(Role.BRAND),
    "GET /v1/products/{gtin}/{serial}/qr.svg": allow(Role.BRAND),
    "GET /v1/products/{gtin}/{serial}/qr.png": allow(Role.BRAND),
    "GET /v1/products": allow(Role.BRAND),
    "GET /v1/products/{gtin}/serials": allow(Role.BRAND),
    "GET /v1/products/{gtin}/{serial}/history": allow(Role.BRAND),
    "GET /v1/products/{gtin}/scans": allow(Role.BRAND),
    "POST /v1/products/{gtin}/recall": allow(Role.BRAND),
    "POST /v1/products/actors": allow(Role.BRAND),
    "DELETE /v1/products/actors/{actor_id}": allow(Role.BRAND),
    "POST /v1/products/events": allow(Role.SUPPLY_CHAIN_ACTOR),
    "POST /v1/products/{gtin}/{serial}/claim": PUBLIC,
    "GET /v1/products/anchors/unsigned": allow(Role.SUPPLY_CHAIN_ACTOR),
    "POST /v1/products/anchors/{anchor_id}/signature": allow(Role.SUPPLY_CHAIN_ACTOR),
    "GET /v1/products/events/{event_digest}/proof": PUBLIC,
    "POST /v1/creatives": allow(Role.ADVERTISER),
    "GET /v1/creatives/{creative_hash}": PUBLIC,
    "POST /v1/campaigns": allow(Role.ADVERTISER),
    "GET /v1/campaigns": allow(Role.ADVERTISER, Role.ADMIN, all_tenants=(Role.ADMIN,)),
    "GET /v1/campaigns/{campaign_id}": allow(Role.ADVERTISER, Role.ADMIN, owner=Campaign, all_tenants=(Role.ADMIN,)),
    "GET /v1/campaigns/{campaign_id}/report": allow(Role.ADVERTISER, Role.ADMIN, owner=Campaign, all_tenants=(Role.ADMIN,)),
    "POST /v1/campaigns/{campaign_id}/fund": allow(Role.ADVERTISER, owner=Campaign),
    "POST /v1/campaigns/{campaign_id}/pause": allow(Role.ADVERTISER, owner=Campaign),
    "POST /v1/campaigns/{campaign_id}/unpause": allow(Role.ADVERTISER, owner=Campaign),
    "POST /v1/campaigns/{campaign_id}/end": allow(Role.ADVERTISER, owner=Campaign),
    "POST /v1/campaigns/{campaign_id}/refund": allow(Role.ADVERTISER, owner=Campaign),
    "GET /v1/tokens": PUBLIC,
    "GET /v1/tokens/balances/{participant_id}": allow(*ANY, owner=Participant, all_tenants=(Role.ADMIN,)),
    "PUT /v1/tokens/{symbol}": allow(Role.ADMIN),
    "POST /v1/tokens/{symbol}/mint": allow(Role.ADMIN),
    "GET /v1/publishers/{participant_id}/report": allow(Role.PUBLISHER, Role.ADMIN, owner=Participant, all_tenants=(Role.ADMIN,)),
    "GET /v1/schemas/campaign-terms.v1.json": PUBLIC,
    "POST /v1/events": PUBLIC,  # the publisher's registered key signs the body
    "POST /v1/publishers/me/signing-keys": allow(Role.PUBLISHER),
    "GET /v1/publishers/me/signing-keys": allow(Role.PUBLISHER),
    "DELETE /v1/publishers/me/signing-keys/{key_id}": allow(Role.PUBLISHER),
    "GET /v1/campaigns/{campaign_id}/traffic": allow(Role.ADVERTISER, Role.ADMIN, owner=Campaign, all_tenants=(Role.ADMIN,)),
    "GET /v1/publishers/{participant_id}/traffic": allow(Role.PUBLISHER, Role.ADMIN, owner=Participant, all_tenants=(Role.ADMIN,)),
    "GET /v1/settlements/campaigns/{campaign_id}": allow(Role.ADVERTISER, Role.AUDITOR, Role.ADMIN, owner=Campaign, all_tenants=(Role.AUDITOR, Role.ADMIN)),
    "GET /v1/settlements/campaigns/{campaign_id}/report": allow(Role.ADVERTISER, Role.AUDITOR, Role.ADMIN, owner=Campaign, all_tenants=(Role.AUDITOR, Role.ADMIN)),
    "GET /v1/settlements/awaiting-attestation": allow(Role.ATTESTER, Role.AUDITOR, Role.ADMIN, all_tenants=(Role.AUDITOR, Role.ADMIN)),
    "GET /v1/settlements/{settlement_id}/leaves": allow(Role.ATTESTER, Role.AUDITOR, Role.ADMIN, all_tenants=(Role.AUDITOR, Role.ADMIN)),
    "POST /v1/settlements/{settlement_id}/attestations": allow(Role.ATTESTER),
    "GET /v1/payouts/{participant_id}": allow(Role.PUBLISHER, Role.ADMIN, owner=Participant, all_tenants=(Role.ADMIN,)),
    "POST /v1/payouts/{participant_id}": allow(Role.PUBLISHER, Role.ADMIN, owner=Participant, all_tenants=(Role.ADMIN,)),
    "POST /v1/challenges": allow(Role.ADVERTISER, Role.PUBLISHER),
    "GET /v1/challenges": allow(Role.AUDITOR, Role.ADMIN, all_tenants=(Role.AUDITOR, Role.ADMIN)),
    "POST /v1/challenges/{campaign_id}/resolution": allow(Role.AUDITOR),
    "GET /v1/events/{event_id}/proof": allow(Role.ADVERTISER, Role.PUBLISHER, Role.AUDITOR, Role.ADMIN, all_tenants=(Role.AUDITOR, Role.ADMIN)),
    "GET /v1/dids/{did}": PUBLIC,
    "GET /v1/consents/domain": PUBLIC,
    "GET /v1/consents/pairwise-message": PUBLIC,
    "POST /v1/consents/typed-data": PUBLIC,
    "POST /v1/consents": PUBLIC,  # consumers: subject session + pairwise signature
    "POST /v1/consents/sweeps": PUBLIC,  # pairwise signature
    "POST /v1/consents/{consent_id}/withdrawal": PUBLIC,  # pairwise signature
    "GET /v1/consents/{consent_id}/receipt": PUBLIC,
    "POST /v1/subjects/session": PUBLIC,  # SIWE by the consumer's wallet
    "DELETE /v1/subjects/session": PUBLIC,  # subject session (signs out that one session)
    "PUT /v1/subjects/me/data": PUBLIC,  # subject session
    "GET /v1/subjects/me/export": PUBLIC,  # subject session
    "DELETE /v1/subjects/me": PUBLIC,  # fresh SIWE erasure statement
    "GET /v1/subjects/{subject}/data": allow(Role.ADVERTISER),
    "POST /v1/offers": allow(Role.ADVERTISER),
    "GET /v1/offers/publications/{publication_id}": allow(Role.ADVERTISER),
    "GET /v1/offers": PUBLIC,
    "GET /v1/offers/{offer_id}": PUBLIC,
    "POST /v1/offers/{offer_id}/close": allow(Role.ADVERTISER),
}
