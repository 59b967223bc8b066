"""Refusals of the consent services: an HTTP status, a machine-readable code and the reason."""

from __future__ import annotations

from backend.api.errors import ApiError


class ConsentError(ApiError):
    """Raised by consent services; the API answers with it as is (``{"error": {"code", "message"}}``)."""
