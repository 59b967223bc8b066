"""Create a campaign: check the request against the terms schema and the chain's rules as the
mirror knows them, store the terms document, queue createCampaign.

Every check CampaignEscrow.createCampaign makes is made here first, with a coded 4xx,
so a request that passes only fails on chain if the chain changed in between (the
campaign then shows as failed with the revert reason).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from eth_utils import to_checksum_address

from backend.campaigns.terms import CampaignTerms, TermsInvalid, parse_terms
from backend.campaigns.errors import (
    AttesterNotActive,
    AttestersRequired,
    ContentStoreUnavailable,
    DuplicateAttester,
    EndTimeInPast,
    InvalidAttesters,
    InvalidChallengeWindow,
    InvalidTerms,
    InvalidThreshold,
    MirrorUnavailable,
    NoChainAddress,
    TermsTooLarge,
    TokenNotAllowed,
    UnknownToken,
)
from backend.campaigns.chain import ESCROW, escrow_call, find_token
from backend.campaigns.mirror import Mirror
from backend.campaigns.models import Campaign, CampaignAction, CampaignActionKind
from backend.campaigns.submission import Call, ChainWriter, Submission
from backend.content import ContentStore, ContentStoreError, ContentTooLarge
from backend.identity.models import Participant

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
MAX_ATTESTERS = 16  # CampaignEscrow.MAX_ATTESTERS
ATTESTER_ROLE_BIT = 1 << 2  # IParticipantRegistry.Role.Attester


@dataclass(frozen=True)
class CampaignSpec:
    name: str
    token: str  # symbol or address
    budget: int
    terms: Any  # the JSON document, checked against campaign-terms.v1.json here
    ends_at: int  # unix seconds
    attesters: list[str] | None = None  # None: the platform's attester
    threshold: int | None = None  # None: every attester
    verifier: str | None = None
    challenge_window: int | None = None  # None: the escrow's minimum


def create_campaign(
    writer: ChainWriter,
    mirror: Mirror,
    store: ContentStore,
    advertiser: Participant,
    spec: CampaignSpec,
    *,
    now: int,
    signed_transaction: str | None = None,
) -> Campaign:
    """Add the campaign, its create action and the createCampaign transaction; the caller commits."""
    target = writer.target
    sender = _chain_address(advertiser)
    terms = _terms(spec.terms)
    token = find_token(list(target.tokens), spec.token)
    if token is None:
        known = [t.symbol for t in target.tokens]
        raise UnknownToken(f"no settlement token {spec.token!r}; known: {', '.join(known)}", known)
    if not mirror.ready:
        raise MirrorUnavailable("the chain mirror is not running yet; try again shortly")
    config = mirror.token_config(target.escrow, token.address)
    if config is None or not config.allowed:
        raise TokenNotAllowed(f"{token.symbol} is not on the escrow's allowlist")
    attesters, threshold, verifier = _attestation(target.attester, spec)
    chain_now = max(now, mirror.chain_time() or 0)
    _require_active_attesters(mirror, target.registry, [*attesters, *([verifier] if verifier else [])], chain_now)
    window = _challenge_window(mirror, target.escrow, spec.challenge_window)
    if spec.ends_at <= chain_now:
        raise EndTimeInPast(
            f"ends_at must lie after the chain's time {chain_now}", {"chain_time": chain_now}
        )
    try:
        cid = store.put(terms.canonical)
    except ContentTooLarge as exc:
        raise TermsTooLarge(str(exc)) from None
    except ContentStoreError as exc:
        raise ContentStoreUnavailable(str(exc)) from None
    terms_hash = "0x" + hashlib.sha256(terms.canonical).hexdigest()

    campaign = Campaign(
        name=spec.name,
        advertiser_id=advertiser.id,
        advertiser_address=sender,
        chain_id=target.chain_id,
        escrow_address=target.escrow,
        token_symbol=token.symbol,
        token_address=token.address,
        budget=spec.budget,
        terms_json=terms.canonical.decode(),
        terms_cid=cid,
        terms_hash=terms_hash,
        attesters=attesters,
        threshold=threshold,
        verifier=verifier,
        challenge_window=window,
        end_time=spec.ends_at,
    )
    writer.session.add(campaign)
    writer.session.flush()
    data = escrow_call(
        "createCampaign",
        token.address,
        bytes.fromhex(terms_hash[2:]),
        attesters,
        threshold,
        verifier or ZERO_ADDRESS,
        window,
        spec.ends_at,
    )
    call = Call(target.escrow, data, f"{ESCROW}.createCampaign")
    outbox_ids = writer.submit(
        advertiser, sender, Submission([call], call), signed=signed_transaction, reference=campaign.reference
    )
    writer.session.add(
        CampaignAction(
            campaign_id=campaign.id, kind=CampaignActionKind.CREATE, requested_by=advertiser.id, outbox_ids=outbox_ids
        )
    )
    writer.session.flush()
    return campaign


def _terms(document: Any) -> CampaignTerms:
    try:
        return parse_terms(document)
    except TermsInvalid as exc:
        reasons = [{"field": error.field, "reason": error.reason} for error in exc.errors]
        raise InvalidTerms("the terms do not match campaign-terms.v1.json", reasons) from None


def _chain_address(participant: Participant) -> str:
    if participant.chain_address is None:
        raise NoChainAddress("this participant has no chain address yet")
    return to_checksum_address(participant.chain_address)


def _attestation(platform_attester: str | None, spec: CampaignSpec) -> tuple[list[str], int, str | None]:
    if spec.attesters is None:
        if platform_attester is None:
            raise AttestersRequired("no platform attester is configured; name the attesters")
        attesters = [platform_attester]
    else:
        attesters = [to_checksum_address(a) for a in spec.attesters]
    verifier = to_checksum_address(spec.verifier) if spec.verifier else None
    if not 1 <= len(attesters) <= MAX_ATTESTERS:
        raise InvalidAttesters(f"name 1 to {MAX_ATTESTERS} attesters")
    duplicates = sorted({a for a in attesters if attesters.count(a) > 1} | ({verifier} & set(attesters)))
    if duplicates:
        raise DuplicateAttester(
            "each attester once, and the verifier not among them", duplicates
        )
    threshold = len(attesters) if spec.threshold is None else spec.threshold
    if not 1 <= threshold <= len(attesters):
        raise InvalidThreshold(f"threshold must be between 1 and {len(attesters)}")
    return attesters, threshold, verifier


def _require_active_attesters(mirror: Mirror, registry: str, accounts: list[str], chain_now: int) -> None:
    inactive = []
    for account in accounts:
        row = mirror.participant(registry, account)
        if row is None or not row.roles & ATTESTER_ROLE_BIT or row.suspended or row.kyc_expiry <= chain_now:
            inactive.append(account)
    if inactive:
        raise AttesterNotActive("every attester and the verifier must be active attesters", inactive)


def _challenge_window(mirror: Mirror, escrow: str, asked: int | None) -> int:
    params = mirror.escrow(escrow)
    if params is None:
        raise MirrorUnavailable("the chain mirror has not seen the escrow's parameters yet")
    window = params.min_challenge_window if asked is None else asked
    if not params.min_challenge_window <= window <= params.max_challenge_window:
        raise InvalidChallengeWindow(
            
            f"challenge_window must be between {params.min_challenge_window} and {params.max_challenge_window} seconds",
            {"minimum": params.min_challenge_window, "maximum": params.max_challenge_window},
        )
    return window
