"""Refusals of the settlement services, one class per kind of refusal.

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
