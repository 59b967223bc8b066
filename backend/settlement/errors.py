"""Refusals of the settlement services, one class per case of refusal, grouped under one class per kind.

Each carries a stable machine-readable ``code`` and the reason; ``backend/api/errors.py``
maps the kind (``backend.core.errors``) to the HTTP status, so these services stay free
of HTTP and the CLI or a task can catch them too.
"""

from __future__ import annotations

from backend.core import errors as kinds


class SettlementError(kinds.Refusal):
    """Base of every settlement refusal: ``SettlementError(code, message, details)``."""


class SettlementInputInvalid(SettlementError, kinds.InvalidInput):
    """A value in the request breaks a rule (terms, amounts, signatures, transactions)."""


class SettlementNotFound(SettlementError, kinds.NotFound):
    """No such campaign, settlement, event or token."""


class SettlementConflict(SettlementError, kinds.Conflict):
    """The campaign, settlement or challenge is in a state that forbids the action now."""


class SettlementUnavailable(SettlementError, kinds.Unavailable):
    """The chain, its mirror or custody is not configured or not caught up."""


class SettlementNotPermitted(SettlementError, kinds.NotPermitted):
    """The caller is not an attester (or signer) this settlement admits."""


# One class per case, named for what went wrong; the code is the class's (``kinds.Case``).
# Raised as ``Name(message, details)``; catch the kind above to handle a family.


class AttesterNotActive(kinds.Case, SettlementConflict):
    """The attester is not active on chain (roles, KYC, suspension)."""

    code = "attester_not_active"


class CampaignClosed(kinds.Case, SettlementConflict):
    """The campaign was refunded and closed."""

    code = "campaign_closed"


class CampaignNotOnChain(kinds.Case, SettlementConflict):
    """The campaign is not on chain (or not mirrored) yet."""

    code = "campaign_not_on_chain"


class ChallengeOpen(kinds.Case, SettlementConflict):
    """The campaign has an open challenge: one at a time."""

    code = "challenge_open"


class ChallengeWindowClosed(kinds.Case, SettlementConflict):
    """The epoch's challenge window has closed."""

    code = "challenge_window_closed"


class CommitNotPossible(kinds.Case, SettlementConflict):
    """commitSettlement would revert now."""

    code = "commit_not_possible"


class EventNotBilled(kinds.Case, SettlementConflict):
    """Only billed events are in a root."""

    code = "event_not_billed"


class EventNotSettled(kinds.Case, SettlementConflict):
    """The event is not in a live settlement yet."""

    code = "event_not_settled"


class NoChainAddress(kinds.Case, SettlementConflict):
    """This participant has no chain address."""

    code = "no_chain_address"


class NoOpenChallenge(kinds.Case, SettlementConflict):
    """The campaign has no open challenge."""

    code = "no_open_challenge"


class NotAwaitingAttestations(kinds.Case, SettlementConflict):
    """The settlement does not await attestations."""

    code = "not_awaiting_attestations"


class NotChallengeable(kinds.Case, SettlementConflict):
    """The epoch is not a committed, unmatured root of this campaign."""

    code = "not_challengeable"


class NotCustodial(kinds.Case, SettlementConflict):
    """The platform holds no key of this attester."""

    code = "not_custodial"


class ResolutionDeadlinePassed(kinds.Case, SettlementConflict):
    """The deadline passed: the challenge expires as upheld."""

    code = "resolution_deadline_passed"


class CorrectionsNeedUpheld(kinds.Case, SettlementInputInvalid):
    """Invalid events can only be named when upholding."""

    code = "corrections_need_upheld"


class InvalidEvents(kinds.Case, SettlementInputInvalid):
    """These ids are not billed events of this campaign."""

    code = "invalid_events"


class MalformedSignature(kinds.Case, SettlementInputInvalid):
    """Send the signature as 0x followed by 130 hex digits (r, s, v)."""

    code = "malformed_signature"


class SignatureMismatch(kinds.Case, SettlementInputInvalid):
    """The signature does not recover to the caller's address over this settlement."""

    code = "signature_mismatch"


class UnknownCampaign(kinds.Case, SettlementNotFound):
    """No such campaign of this advertiser."""

    code = "not_found"


class UnknownSettlement(kinds.Case, SettlementNotFound):
    """No settlement of this id."""

    code = "not_found"


class NotCampaignAttester(kinds.Case, SettlementNotPermitted):
    """The caller is neither an attester nor the verifier of this campaign."""

    code = "not_campaign_attester"


class NotCampaignMember(kinds.Case, SettlementNotPermitted):
    """Only the advertiser, or a publisher with earnings in the root, may challenge."""

    code = "not_campaign_member"


class CustodialKeyUnavailable(kinds.Case, SettlementUnavailable):
    """The custodial key cannot be opened."""

    code = "custodial_key_unavailable"


class MirrorUnavailable(kinds.Case, SettlementUnavailable):
    """The chain mirror has not seen this settlement's campaign."""

    code = "mirror_unavailable"
