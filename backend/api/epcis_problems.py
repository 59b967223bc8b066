"""Errors of the EPCIS 2.0 REST binding (``/epcis``): RFC 7807 problem details, in one place.

Everywhere else the API answers ``{"error": {...}}``; under ``/epcis`` the binding defines the
body: ``application/problem+json`` with ``type`` an EPCIS exception (``epcisException:...``),
``title``, ``status``, ``detail`` and ``instance``. `backend/api/errors.py` calls `problem`
for every error of a request under ``/epcis``, whatever raised it; the project's machine code
is kept as ``code``.
"""

from __future__ import annotations

from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from starlette.requests import Request

PREFIX = "/epcis"
MEDIA_TYPE = "application/problem+json"

# By the refusal's code first (what went wrong), then by status.
_BY_CODE = {
    "query_parameter_invalid": "QueryParameterException",
    "query_too_large": "QueryTooLargeException",
    "no_such_event": "NoSuchResourceException",
    "no_such_resource": "NoSuchResourceException",
    "no_such_capture_job": "NoSuchResourceException",
    "capture_limit_exceeded": "CaptureLimitExceededException",
    "invalid_epcis": "ValidationException",
    "not_an_epcis_document": "ValidationException",
    "unknown_capture_error_behaviour": "ValidationException",
    "invalid_request": "QueryParameterException",
}
_BY_STATUS = {
    400: "ValidationException",
    401: "SecurityException",
    403: "SecurityException",
    404: "NoSuchResourceException",
    405: "ImplementationException",
    406: "NotAcceptableException",
    413: "QueryTooLargeException",
    414: "URITooLongException",
    415: "UnsupportedMediaTypeException",
    422: "ValidationException",
    500: "ImplementationException",
    501: "ImplementationException",
    503: "ImplementationException",
}
_TITLES = {
    "QueryParameterException": "Invalid query parameter",
    "QueryTooLargeException": "Query result too large",
    "NoSuchResourceException": "Resource not found",
    "CaptureLimitExceededException": "Capture limit exceeded",
    "ValidationException": "Invalid EPCIS document",
    "SecurityException": "Not authorised",
    "ImplementationException": "Server error",
    "NotAcceptableException": "Not acceptable",
    "URITooLongException": "URI too long",
    "UnsupportedMediaTypeException": "Unsupported media type",
}


def applies(request: Request) -> bool:
    path = request.url.path
    return path == PREFIX or path.startswith(PREFIX + "/")


def exception_type(status: int, code: str) -> str:
    return "epcisException:" + _BY_CODE.get(code, _BY_STATUS.get(status, "ImplementationException"))


def problem(
    request: Request, status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    # A malformed request body is the binding's 400, not FastAPI's 422.
    if status == 422:
        status = 400
    kind = exception_type(status, code)
    body: dict[str, Any] = {
        "type": kind,
        "title": _TITLES[kind.split(":", 1)[1]],
        "status": status,
        "detail": message,
        "instance": request.url.path,
        "code": code,
    }
    if details is not None:
        body["details"] = jsonable_encoder(details)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)
