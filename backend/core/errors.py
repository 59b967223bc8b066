"""The kinds of refusal a domain service can raise, independent of any transport.

Domain packages (campaigns, settlement, consent, identity, provenance, ...) define their
own exceptions, named for what went wrong and carrying the values, as subclasses of one of
these kinds. They never import the HTTP layer: ``backend/api/errors.py`` maps each kind to
an HTTP status in one place, and the CLI, Celery tasks and web pages can catch the same
exceptions without dragging the API in.

Every refusal carries a stable machine-readable ``code`` (what clients switch on), a
human ``message`` and optional ``details`` (JSON-serialisable values).
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every refusal a service raises on purpose (never a bug)."""

    code: ClassVar[str] = "domain_error"

    def __init__(self, message: str, details: Any = None, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = details
        if code is not None:
            self.code = code  # instance override for families that share one class


class Refusal(DomainError):
    """A package's family of refusals that share one class per kind and tell cases apart by
    ``code``. Cases known in advance are classes of their own (``Case``); the family takes a code
    only known at run time: ``SignInFailed(exc.code, exc.message)``."""

    def __init__(self, code: str, message: str, details: Any = None):
        super().__init__(message, details, code=code)


class Case:
    """Mixin of a refusal named for one case (``CampaignClosed``, ``OfferExhausted``): the class
    fixes the ``code``, the constructor takes the message and the values, as in
    ``CampaignClosed("campaign 7 is ended", {"status": "ended"})``. It comes first among the
    bases: ``class CampaignClosed(kinds.Case, CampaignConflict)``."""

    def __init__(self, message: str, details: Any = None):
        DomainError.__init__(self, message, details)  # type: ignore[arg-type]


class InvalidInput(DomainError):
    """The request is well-formed but its values break a rule (HTTP 422)."""

    code = "invalid_input"


class Malformed(DomainError):
    """The input cannot be parsed at all (HTTP 400)."""

    code = "bad_request"


class NotAuthenticated(DomainError):
    """The caller could not be identified or its proof of identity failed (HTTP 401)."""

    code = "unauthenticated"


class NotPermitted(DomainError):
    """The caller is known but may not do this (HTTP 403)."""

    code = "forbidden"


class NotFound(DomainError):
    """The thing named does not exist, or not yet (HTTP 404)."""

    code = "not_found"


class Conflict(DomainError):
    """The thing exists but its state forbids the action now (HTTP 409)."""

    code = "conflict"


class Gone(DomainError):
    """The thing existed and was removed for good, e.g. erased (HTTP 410)."""

    code = "gone"


class TooLarge(DomainError):
    """The input is over a size limit (HTTP 413)."""

    code = "payload_too_large"


class TooMany(DomainError):
    """A rate limit is reached; retry after ``retry_after`` seconds (HTTP 429)."""

    code = "too_many_requests"

    def __init__(self, message: str, retry_after: float, details: Any = None, *, code: str | None = None):
        super().__init__(message, details, code=code)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """A dependency (chain, mirror, custody, content store) is not configured or down (HTTP 503)."""

    code = "unavailable"
