"""Errors the API returns: always a status, a machine-readable code and a reason.

Shape: ``{"error": {"code": "...", "message": "...", "details": ..., "request_id": "..."}}``
(``request_id`` is the request's ``X-Request-ID``, also in the log lines). Bad input is a
4xx with its reason, never a 500 or a stack trace. Under ``/epcis`` the same errors are
rendered as the EPCIS 2.0 REST binding's RFC 7807 problems (`backend.api.epcis_problems`).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
import logging
import math

from backend.api import epcis_problems
from backend.core import errors as domain
from backend.core.request_context import current_request_id

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """Raise from a route or service to answer with `status` and a coded reason."""

    def __init__(self, status: int, code: str, message: str, details: Any = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


# The one place a domain refusal becomes an HTTP status. Looked up along the exception's
# MRO, so a package's own exception classes inherit their kind's status.
DOMAIN_STATUS: dict[type[domain.DomainError], int] = {
    domain.Malformed: 400,
    domain.NotAuthenticated: 401,
    domain.NotPermitted: 403,
    domain.NotFound: 404,
    domain.Conflict: 409,
    domain.Gone: 410,
    domain.TooLarge: 413,
    domain.InvalidInput: 422,
    domain.TooMany: 429,
    domain.Unavailable: 503,
}


def status_of(exc: domain.DomainError) -> int:
    for cls in type(exc).__mro__:
        status = DOMAIN_STATUS.get(cls)
        if status is not None:
            return status
    return 400


def error_body(code: str, message: str, details: Any = None, request_id: str | None = None) -> dict:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = jsonable_encoder(details)
    request_id = request_id or current_request_id()
    if request_id is not None:
        body["request_id"] = request_id
    return {"error": body}


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


def _answer(
    request: Request, status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    if epcis_problems.applies(request):
        return epcis_problems.problem(request, status, code, message, details, headers)
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _answer(request, exc.status, exc.code, exc.message, exc.details)

    @app.exception_handler(domain.DomainError)
    async def _domain_error(request: Request, exc: domain.DomainError) -> JSONResponse:
        headers = None
        if isinstance(exc, domain.TooMany):
            headers = {"Retry-After": str(max(1, math.ceil(exc.retry_after)))}
        return _answer(request, status_of(exc), exc.code, exc.message, exc.details, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"location": list(error.get("loc", ())), "reason": error.get("msg", ""), "type": error.get("type", "")}
            for error in exc.errors()
        ]
        return _answer(request, 422, "invalid_request", "the request is not valid", details)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "http_error")
        return _answer(request, exc.status_code, code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Logged with its trace server-side; the client gets no internals. This handler runs
        # outside the middleware stack, so the request id comes from the request's state.
        request_id = getattr(request.state, "request_id", None)
        logger.exception("unhandled error", exc_info=exc, extra={"request_id": request_id})
        headers = {"X-Request-ID": request_id} if request_id else None
        if epcis_problems.applies(request):
            return epcis_problems.problem(request, 500, "internal_error", "internal error", None, headers)
        return JSONResponse(
            error_body("internal_error", "internal error", request_id=request_id), status_code=500, headers=headers
        )
