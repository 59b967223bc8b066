"""Refusals of the campaigns services, one class per case of refusal, grouped under one class per kind.

Each carries a stable machine-readable ``code`` and the reason; ``backend/api/errors.py``
maps the kind (``backend.core.errors``) to the HTTP status, so these services stay free
of HTTP and the CLI or a task can catch them too.
"""

from __future__ import annotations

from backend.core import errors as kinds


class CampaignError(kinds.Refusal):
    """Base of every campaigns refusal: ``CampaignError(code, message, details)``."""


class CampaignInputInvalid(CampaignError, kinds.InvalidInput):
    """A value in the request breaks a rule (terms, amounts, signatures, transactions)."""


class CampaignNotFound(CampaignError, kinds.NotFound):
    """No such campaign, settlement, event or token."""


class CampaignConflict(CampaignError, kinds.Conflict):
    """The campaign, settlement or challenge is in a state that forbids the action now."""


class CampaignUnavailable(CampaignError, kinds.Unavailable):
    """The chain, its mirror or custody is not configured or not caught up."""


# One class per case, named for what went wrong; the code is the class's (``kinds.Case``).
# Raised as ``Name(message, details)``; catch the kind above to handle a family.


class CampaignClosed(kinds.Case, CampaignConflict):
    """The campaign was refunded and closed: nothing more can be done with it."""

    code = "campaign_closed"


class CampaignEnded(kinds.Case, CampaignConflict):
    """The campaign has ended: it cannot be funded or resumed."""

    code = "campaign_ended"


class CampaignFailed(kinds.Case, CampaignConflict):
    """The campaign was not created on chain."""

    code = "campaign_failed"


class CampaignNotOnChain(kinds.Case, CampaignConflict):
    """createCampaign is not mined and mirrored yet."""

    code = "campaign_not_on_chain"


class CampaignNotPaused(kinds.Case, CampaignConflict):
    """The campaign is not paused."""

    code = "campaign_not_paused"


class CampaignPaused(kinds.Case, CampaignConflict):
    """The campaign is paused already."""

    code = "campaign_paused"


class ChallengeOpen(kinds.Case, CampaignConflict):
    """A settlement of this campaign is challenged."""

    code = "challenge_open"


class InsufficientTokenBalance(kinds.Case, CampaignConflict):
    """The advertiser's token balance is below the amount to deposit."""

    code = "insufficient_token_balance"


class NoChainAddress(kinds.Case, CampaignConflict):
    """This participant has no chain address yet."""

    code = "no_chain_address"


class RefundNotAvailable(kinds.Case, CampaignConflict):
    """The refund opens only after end time, settlement grace and challenge window."""

    code = "refund_not_available"


class SettlementNotMatured(kinds.Case, CampaignConflict):
    """Committed settlements must mature first."""

    code = "settlement_not_matured"


class TokenNoLongerAllowed(kinds.Case, CampaignConflict):
    """The campaign's token was taken off the escrow's allowlist."""

    code = "token_not_allowed"


class TransactionAlreadySubmitted(kinds.Case, CampaignConflict):
    """A signed transaction with this nonce was submitted before."""

    code = "transaction_already_submitted"


class TransactionPending(kinds.Case, CampaignConflict):
    """A previous pause, unpause, end or refund is not mirrored yet."""

    code = "transaction_pending"


class AttesterNotActive(kinds.Case, CampaignInputInvalid):
    """Every attester and the verifier must be active attesters."""

    code = "attester_not_active"


class AttestersRequired(kinds.Case, CampaignInputInvalid):
    """No platform attester is configured."""

    code = "attesters_required"


class DepositOverflow(kinds.Case, CampaignInputInvalid):
    """The deposit would pass the largest amount the escrow holds."""

    code = "deposit_overflow"


class DuplicateAttester(kinds.Case, CampaignInputInvalid):
    """Each attester once, and the verifier not among them."""

    code = "duplicate_attester"


class EndTimeInPast(kinds.Case, CampaignInputInvalid):
    """ends_at must lie after the chain's time."""

    code = "end_time_in_past"


class InvalidAttesters(kinds.Case, CampaignInputInvalid):
    """A campaign names 1 to 16 attesters."""

    code = "invalid_attesters"


class InvalidChallengeWindow(kinds.Case, CampaignInputInvalid):
    """challenge_window is outside the escrow's bounds."""

    code = "invalid_challenge_window"


class InvalidSignedTransaction(kinds.Case, CampaignInputInvalid):
    """The signed transaction is not the call asked for (decoding, signer, target, data)."""

    code = "invalid_signed_transaction"


class InvalidTerms(kinds.Case, CampaignInputInvalid):
    """The terms do not match campaign-terms.v1.json."""

    code = "invalid_terms"


class InvalidThreshold(kinds.Case, CampaignInputInvalid):
    """The threshold must be between 1 and the number of attesters."""

    code = "invalid_threshold"


class SignedTransactionNotExpected(kinds.Case, CampaignInputInvalid):
    """The platform signs for a custodial participant."""

    code = "signed_transaction_not_expected"


class SignedTransactionRequired(kinds.Case, CampaignInputInvalid):
    """A non-custodial participant signs this call with its wallet."""

    code = "signed_transaction_required"


class TermsTooLarge(kinds.Case, CampaignInputInvalid):
    """The terms document is over the size limit."""

    code = "terms_too_large"


class TokenNotAllowed(kinds.Case, CampaignInputInvalid):
    """The token is not on the escrow's allowlist."""

    code = "token_not_allowed"


class UnknownToken(kinds.Case, CampaignInputInvalid):
    """No settlement token of that symbol in this deployment."""

    code = "unknown_token"


class TokenNotFound(kinds.Case, CampaignNotFound):
    """No settlement token of that symbol."""

    code = "unknown_token"


class CampaignChainNotConfigured(kinds.Case, CampaignUnavailable):
    """No escrow or relayer is configured for chain writes."""

    code = "chain_not_configured"


class ContentStoreUnavailable(kinds.Case, CampaignUnavailable):
    """The content store cannot store the terms now."""

    code = "content_store_unavailable"


class MirrorUnavailable(kinds.Case, CampaignUnavailable):
    """The chain mirror is not running yet."""

    code = "mirror_unavailable"
