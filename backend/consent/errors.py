"""Refusals of the consent services, one class per kind of refusal.

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
