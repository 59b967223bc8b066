"""The id of the request being served, in a contextvar: log lines and error bodies carry it."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

REQUEST_ID: ContextVar[str | None] = ContextVar("trustledger_request_id", default=None)
# An incoming X-Request-ID is kept when it is short and plain (it ends up in logs and headers).
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def accept_or_new(incoming: str | None) -> str:
    if incoming and _VALID.match(incoming):
        return incoming
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return REQUEST_ID.get()
