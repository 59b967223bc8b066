"""Refusals of the consent services, one class per case of refusal, grouped under one class per kind.

Each carries a stable machine-readable ``code`` and the reason; ``backend/api/errors.py``
maps the kind (``backend.core.errors``) to the HTTP status, so these services stay free
of HTTP and the CLI or a task can catch them too.
"""

from __future__ import annotations

from backend.core import errors as kinds


class ConsentError(kinds.Refusal):
    """Base of every consent refusal: ``ConsentError(code, message, details)``."""


class ConsentInputInvalid(ConsentError, kinds.InvalidInput):
    """A signed message, offer or data payload breaks a rule."""


class ConsentSignerNotAuthenticated(ConsentError, kinds.NotAuthenticated):
    """A consumer session or a signature does not identify the caller."""


class ConsentNotPermitted(ConsentError, kinds.NotPermitted):
    """The caller may not act on this consent, offer or subject."""


class ConsentNotFound(ConsentError, kinds.NotFound):
    """No such offer, consent, subject or registry (yet)."""


class ConsentConflict(ConsentError, kinds.Conflict):
    """The consent, offer or subject is in a state that forbids the action now."""


class ConsentUnavailable(ConsentError, kinds.Unavailable):
    """Custody or the chain mirror is not configured or not caught up."""


# One class per case, named for what went wrong; the code is the class's (``kinds.Case``).
# Raised as ``Name(message, details)``; catch the kind above to handle a family.


class BadSweepNonce(kinds.Case, ConsentConflict):
    """The signed sweep carries another nonce than the next one."""

    code = "bad_sweep_nonce"


class ConsentAlreadyWithdrawn(kinds.Case, ConsentConflict):
    """The consent is already withdrawn."""

    code = "consent_already_withdrawn"


class ConsentReplayed(kinds.Case, ConsentConflict):
    """The signed consent was already granted."""

    code = "consent_replayed"


class NoChainAddress(kinds.Case, ConsentConflict):
    """This participant has no chain address yet."""

    code = "no_chain_address"


class NotCustodial(kinds.Case, ConsentConflict):
    """This advertiser holds its own key: call approve and publishOffer with it."""

    code = "not_custodial"


class NothingToSweep(kinds.Case, ConsentConflict):
    """The pairwise address has no rewards to sweep."""

    code = "nothing_to_sweep"


class OfferClosed(kinds.Case, ConsentConflict):
    """The offer is closed."""

    code = "offer_closed"


class OfferExhausted(kinds.Case, ConsentConflict):
    """The offer has paid all the grants it allows."""

    code = "offer_exhausted"


class PairwiseConflict(kinds.Case, ConsentConflict):
    """The pairwise address already signs for another consumer or advertiser."""

    code = "pairwise_conflict"


class SweepPending(kinds.Case, ConsentConflict):
    """This sweep is already being relayed."""

    code = "sweep_pending"


class ConsentIdMismatch(kinds.Case, ConsentInputInvalid):
    """The signed consentId differs from the one in the path."""

    code = "consent_id_mismatch"


class ErasureStatementRequired(kinds.Case, ConsentInputInvalid):
    """Erasure needs the signed erasure statement."""

    code = "erasure_statement_required"


class ExpiryOutOfRange(kinds.Case, ConsentInputInvalid):
    """The expiry is in the past or beyond the offer's period."""

    code = "expiry_out_of_range"


class InvalidOfferTerms(kinds.Case, ConsentInputInvalid):
    """Compensation, cap or period is out of range."""

    code = "invalid_offer_terms"


class OfferOutsideVocabulary(kinds.Case, ConsentInputInvalid):
    """The offer's purpose or data categories are not documented."""

    code = "offer_outside_vocabulary"


class OutsideVocabulary(kinds.Case, ConsentInputInvalid):
    """A purpose or data category is not in the documented vocabulary."""

    code = "outside_vocabulary"


class SignatureExpired(kinds.Case, ConsentInputInvalid):
    """The signature's deadline has passed."""

    code = "signature_expired"


class TermsMismatch(kinds.Case, ConsentInputInvalid):
    """The signed consent differs from the offer's terms."""

    code = "terms_mismatch"


class UnknownToken(kinds.Case, ConsentInputInvalid):
    """The token is not one of this deployment's."""

    code = "unknown_token"


class ZeroRecipient(kinds.Case, ConsentInputInvalid):
    """Name the address to pay."""

    code = "zero_recipient"


class ConsentPending(kinds.Case, ConsentNotFound):
    """The consent is being relayed: no receipt yet."""

    code = "consent_pending"


class ConsentRegistryNotDeployed(kinds.Case, ConsentNotFound):
    """No ConsentRegistry is deployed."""

    code = "consent_registry_not_deployed"


class ConsentUnknown(kinds.Case, ConsentNotFound):
    """No consent with this id."""

    code = "consent_unknown"


class OfferUnknown(kinds.Case, ConsentNotFound):
    """No such offer on the ConsentRegistry (yet)."""

    code = "offer_unknown"


class SubjectUnknown(kinds.Case, ConsentNotFound):
    """Nothing is held for this wallet."""

    code = "subject_unknown"


class UnknownAdvertiserOffer(kinds.Case, ConsentNotFound):
    """No offer of this id belongs to this advertiser."""

    code = "not_found"


class UnknownOfferPublication(kinds.Case, ConsentNotFound):
    """No offer publication of this id belongs to the caller."""

    code = "not_found"


class ConsentRequired(kinds.Case, ConsentNotPermitted):
    """No active consent lets this advertiser use the data for this purpose."""

    code = "consent_required"


class NotTheSubject(kinds.Case, ConsentNotPermitted):
    """The consent belongs to another subject."""

    code = "not_the_subject"


class InvalidConsentSignature(kinds.Case, ConsentSignerNotAuthenticated):
    """The EIP-712 signature does not recover to the pairwise address."""

    code = "invalid_signature"


class SubjectSessionExpired(kinds.Case, ConsentSignerNotAuthenticated):
    """This session has expired."""

    code = "subject_session_expired"


class SubjectSessionUnknown(kinds.Case, ConsentSignerNotAuthenticated):
    """No such subject session."""

    code = "subject_session_unknown"


class WrongChain(kinds.Case, ConsentSignerNotAuthenticated):
    """Signed for another chain."""

    code = "wrong_chain"


class WrongContract(kinds.Case, ConsentSignerNotAuthenticated):
    """Signed for another ConsentRegistry."""

    code = "wrong_contract"


class CustodyNotConfigured(kinds.Case, ConsentUnavailable):
    """No master key is configured to hold subject keys."""

    code = "custody_not_configured"


class RelayerNotConfigured(kinds.Case, ConsentUnavailable):
    """TRUSTLEDGER_RELAYER_PRIVATE_KEY is not set."""

    code = "relayer_not_configured"


class SubjectKeyUnavailable(kinds.Case, ConsentUnavailable):
    """The subject keys are wrapped by another master key."""

    code = "subject_key_unavailable"
