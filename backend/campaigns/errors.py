"""Refusals of the campaigns services, one class per kind of refusal.

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
