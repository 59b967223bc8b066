"""``GET /metrics``: the Prometheus text exposition, for the operator's Prometheus only.

With ``TRUSTLEDGER_METRICS_TOKEN`` set it needs ``Authorization: Bearer <token>`` (401
otherwise); unset, it answers loopback clients only (403 otherwise). Multiprocess-safe:
see ``backend/core/metrics.py``.
"""

from __future__ import annotations

import hmac
import ipaddress
from functools import lru_cache
from pathlib import Path

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


@lru_cache(maxsize=8)
def _token_from_file(path: Path) -> str:
    return path.read_text().strip()


def required_token(settings) -> str | None:
    if settings.metrics_token is not None:
        return settings.metrics_token.get_secret_value()
    if settings.metrics_token_file is not None:
        return _token_from_file(settings.metrics_token_file)
    return None


def check_access(request: Request) -> None:
    token = required_token(request.app.state.settings)
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            raise ApiError(401, "unauthenticated", "metrics need Authorization: Bearer <TRUSTLEDGER_METRICS_TOKEN>")
        return
    client = request.client.host if request.client else None
    if not _loopback(client):
        raise ApiError(403, "forbidden", "metrics answer loopback clients only unless TRUSTLEDGER_METRICS_TOKEN is set")


@router.get("/metrics")
def metrics(request: Request) -> Response:
    check_access(request)
    settings = request.app.state.settings
    body = generate_latest(exposition_registry(settings.metrics_merge_dirs)) + generate_latest(sender_registry(settings))
    return Response(body, media_type=CONTENT_TYPE_LATEST)
