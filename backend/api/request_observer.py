"""Pure ASGI middleware: request id, latency histogram by route template, one access log line.

No BaseHTTPMiddleware: the request and response pass through untouched apart from the
``X-Request-ID`` header, so the cost is a contextvar, a clock read and one histogram
observation per request.
"""

from __future__ import annotations

import logging
import time

from backend.core.metrics import HTTP_REQUEST_DURATION
from backend.core.request_context import REQUEST_ID, accept_or_new

access_log = logging.getLogger("trustledger.access")
_HEADER = b"x-request-id"


def route_template(scope: dict) -> str:
    """The matched route's whole path template (``/v1/events/{event_id}/proof``), never the raw path.

    FastAPI (0.163, pinned) keeps included routers as routers and puts the inner route, whose
    path lacks the routers' prefixes, in ``scope["route"]``; the route as matched, prefixes
    included, is its effective route context (what its own telemetry labels requests with). A
    plain Starlette route (the product page) has only that context."""
    context = scope.get("fastapi", {}).get("effective_route_context")
    if context is not None:
        path = getattr(getattr(context, "starlette_route", None), "path_format", None) or getattr(context, "path_format", None)
        if path:
            return path
    route = scope.get("route")
    return getattr(route, "path_format", None) or getattr(route, "path", None) or "unmatched"


class RequestObserver:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope["headers"]:
            if name == _HEADER:
                incoming = value.decode("latin-1")
                break
        request_id = accept_or_new(incoming)
        token = REQUEST_ID.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id  # for the 500 handler, outside this middleware
        status = 500
        began = time.perf_counter()

        async def send_with_id(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", ()) if k != _HEADER]
                headers.append((_HEADER, request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - began
            route = route_template(scope)
            method = scope["method"]
            HTTP_REQUEST_DURATION.labels(method, route, str(status)).observe(elapsed)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %s",
                    method,
                    route,
                    status,
                    extra={"method": method, "route": route, "status": status, "duration_ms": round(elapsed * 1000, 3)},
                )
            REQUEST_ID.reset(token)
