"""Refusals of the identity services (onboarding, sign-in, outbox ports), one class per kind.

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


class CustodyNotConfigured(IdentityError, kinds.Unavailable):
    """The master key that seals custodial keys is not configured."""
