"""Abuse limits on the HTTP side: which key each route class is counted by, as FastAPI dependencies.

The limiter itself (``backend/limits``) knows nothing of HTTP; here the keys come from the
request: the client IP (the socket peer, or X-Forwarded-For from a TRUSTED_PROXIES peer),
the signing address, the publisher, the item, the participant. Every check runs before the
route does any work, so a refused request stores nothing. Checks are plain calls on the
event loop where the route allows (a Redis call from a worker thread costs about twice
the CPU): the memory store takes microseconds, Redis one round trip, and a Redis that does
not answer is skipped for a few seconds after one timeout (``backend/limits/redis_store``).
"""

from __future__ import annotations

import re

from fastapi import FastAPI, Request

from backend.core.config import Settings
from backend.limits.client_ip import client_ip, parse_networks
from backend.limits.factory import limiter_for
from backend.limits.limiter import LimitClass, Limiter
from backend.provenance.digital_link import InvalidDigitalLink, build

_ADDRESS_LINE = re.compile(r"\n(0x[0-9a-fA-F]{40})\n")


def install_limits(app: FastAPI, settings: Settings) -> None:
    """Build the limiter once per app (a bad rate or CIDR in the settings fails here, at start-up)."""
    app.state.limiter = limiter_for(settings)
    app.state.trusted_proxies = parse_networks(settings.trusted_proxies)


def limiter_of(request: Request) -> Limiter | None:
    state = request.app.state
    if not hasattr(state, "limiter"):
        install_limits(request.app, state.settings)
    return state.limiter


def ip_of(request: Request) -> str:
    peer = request.client.host if request.client else ""
    trusted = request.app.state.trusted_proxies
    if not trusted:  # the peer is the client whatever it sends: no header parsing per request
        return peer
    return client_ip(peer, request.headers.get("x-forwarded-for"), trusted)


def check(request: Request, limit_class: LimitClass, key: str, cost: int = 1) -> None:
    """Spend ``cost`` of ``key``'s allowance in ``limit_class`` (raises RateLimited / OverBurst)."""
    limiter = limiter_of(request)
    if limiter is not None:
        limiter.check(limit_class, key, cost)


def check_ip_and_item(request: Request, per_ip: LimitClass, per_item: LimitClass, gtin: str, serial: str) -> None:
    """Both checks of a scan or claim in one call (one Redis round trip); a refusal spends neither."""
    limiter = limiter_of(request)
    if limiter is not None:
        limiter.check_all([(per_ip, ip_of(request), 1), (per_item, f"{gtin}/{serial}", 1)])


def check_ip(request: Request, limit_class: LimitClass) -> None:
    limiter = limiter_of(request)
    if limiter is not None:
        limiter.check(limit_class, ip_of(request))


async def claims_per_ip_and_item(request: Request) -> None:
    """A claim attempt's two checks, on the event loop before the route's thread: a Redis call
    costs about twice the CPU from a worker thread. A path that is no Digital Link is left to the route (404)."""
    try:
        link = build(request.path_params["gtin"], request.path_params["serial"])
    except InvalidDigitalLink:
        return
    check_ip_and_item(request, LimitClass.CLAIMS_PER_IP, LimitClass.CLAIMS_PER_SERIAL, link.gtin, link.serial)


def siwe_address(message: str) -> str | None:
    """The address line of an EIP-4361 message (lower case), or None if it has none; the full parse comes later."""
    match = _ADDRESS_LINE.search(message)
    return match.group(1).lower() if match else None


async def signin_per_ip(request: Request) -> None:
    check_ip(request, LimitClass.SIGNIN_PER_IP)


async def applications_per_ip(request: Request) -> None:
    check_ip(request, LimitClass.APPLICATIONS_PER_IP)


def check_signin_address(request: Request, message: str) -> None:
    address = siwe_address(message)
    if address is not None:
        check(request, LimitClass.SIGNIN_PER_ADDRESS, address)
