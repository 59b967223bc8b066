"""``GET /metrics``: the Prometheus text exposition, for the operator's Prometheus only.

With ``TRUSTLEDGER_METRICS_TOKEN`` set it needs ``Authorization: Bearer <token>`` (401
otherwise); unset, it answers loopback clients only (403 otherwise). Multiprocess-safe:
see ``backend/core/metrics.py``.
"""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from backend.api.errors import ApiError
from backend.chain.sender.metrics import sender_registry
from backend.core.metrics import exposition_registry

router = APIRouter(include_in_schema=False)


def _loopback(host: str | None) -> bool:
    if host is None:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_access(request: Request) -> None:
    token = request.app.state.settings.metrics_token
    if token is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), token.get_secret_value()):
            raise ApiError(401, "unauthenticated", "metrics need Authorization: Bearer <TRUSTLEDGER_METRICS_TOKEN>")
        return
    client = request.client.host if request.client else None
    if not _loopback(client):
        raise ApiError(403, "forbidden", "metrics answer loopback clients only unless TRUSTLEDGER_METRICS_TOKEN is set")


@router.get("/metrics")
def metrics(request: Request) -> Response:
    check_access(request)
    body = generate_latest(exposition_registry()) + generate_latest(sender_registry(request.app.state.settings))
    return Response(body, media_type=CONTENT_TYPE_LATEST)
