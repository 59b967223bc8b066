"""Refusals of the identity services (onboarding, sign-in, outbox ports), one class per case of refusal, grouped under one class per kind.

Each carries a stable ``code`` and the reason; ``backend/api/errors.py`` maps the kind
(``backend.core.errors``) to the HTTP status.
"""

from __future__ import annotations

from backend.core import errors as kinds


class IdentityError(kinds.Refusal):
    """Base of identity refusals: ``IdentityError(code, message, details)``."""


class IdentityInputInvalid(IdentityError, kinds.InvalidInput):
    """A value breaks a rule (a KYC expiry in the past, a role not named, a malformed SIWE message)."""


class SignInFailed(IdentityError, kinds.NotAuthenticated):
    """The SIWE message or its signature does not identify a participant."""


class IdentityNotPermitted(IdentityError, kinds.NotPermitted):
    """The participant is suspended, lacks the role, or may not act on that participant."""


class IdentityConflict(IdentityError, kinds.Conflict):
    """The address is taken, or the participant's status forbids the action."""


class CustodyNotConfigured(kinds.Case, IdentityError, kinds.Unavailable):
    """The master key that seals custodial keys is not configured."""

    code = "custody_not_configured"


# One class per case, named for what went wrong; the code is the class's (``kinds.Case``).
# Raised as ``Name(message, details)``; catch the kind above to handle a family.


class AddressTaken(kinds.Case, IdentityConflict):
    """The chain address already belongs to a participant."""

    code = "address_taken"


class CannotSuspendSelf(kinds.Case, IdentityConflict):
    """A participant cannot suspend itself."""

    code = "cannot_suspend_self"


class ParticipantWithoutAddress(kinds.Case, IdentityConflict):
    """The participant has no chain address."""

    code = "participant_without_address"


class KycExpiryInPast(kinds.Case, IdentityInputInvalid):
    """kyc_expires_at must lie in the future."""

    code = "kyc_expiry_in_past"


class RoleRequired(kinds.Case, IdentityInputInvalid):
    """The participant holds several roles: name the one to sign in with."""

    code = "role_required"


class ParticipantSuspended(kinds.Case, IdentityNotPermitted):
    """This participant is suspended."""

    code = "participant_suspended"


class RoleNotGranted(kinds.Case, IdentityNotPermitted):
    """This participant does not hold the role."""

    code = "role_not_granted"


class SuspensionNeedsAdmin(kinds.Case, IdentityNotPermitted):
    """Only an admin may suspend an admin or a KYC officer."""

    code = "forbidden"


class UnknownAccount(kinds.Case, SignInFailed):
    """The signed-in address is not a participant: apply first."""

    code = "siwe_unknown_account"
