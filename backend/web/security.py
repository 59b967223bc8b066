"""The pages' security headers and CSRF protection (double-submit token).

Content-Security-Policy: scripts and styles come only from this origin (``'self'``), no
inline script or style, no framing, forms post only here. The consumer's API session
token lives in page memory and travels in a header, so no credential is ambient; the
double-submit token guards every state-changing request a page makes on top of that:
each page sets the ``tl_csrf`` cookie (HttpOnly, SameSite=Strict, Secure except on plain
http://localhost) and writes the same value into ``<meta name="csrf-token">``; page code
sends it back as ``X-CSRF-Token`` (forms as the ``csrf_token`` field). A POST, PUT, PATCH
or DELETE that carries the cookie but not the matching token is refused with 403.
Requests without the cookie (API clients, scripts) are left to the API's own credentials.
"""

from __future__ import annotations

import hmac
import json
import secrets
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

CSRF_COOKIE = "tl_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def secure_cookies(public_base_url: str) -> bool:
    """Secure cookies everywhere except a plain-http localhost deployment (the demo, tests)."""
    parts = urlsplit(public_base_url)
    return not (parts.scheme == "http" and (parts.hostname or "") in LOCAL_HOSTS)


def csrf_token_of(request: Request) -> str:
    """The request's CSRF token, or a new one (set by `set_csrf_cookie`)."""
    current = request.cookies.get(CSRF_COOKIE, "")
    return current if len(current) >= 32 else secrets.token_urlsafe(32)


def set_csrf_cookie(response: Response, token: str, secure: bool) -> None:
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/")


def tokens_match(cookie: str | None, presented: str | None) -> bool:
    return bool(cookie) and bool(presented) and hmac.compare_digest(cookie.encode(), presented.encode())


def _cookie_of(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, token = part.strip().partition("=")
                if key == CSRF_COOKIE:
                    return token
    return None


def _header_of(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return value.decode("latin-1")
    return None


def _is_form(scope: Scope) -> bool:
    kind = _header_of(scope, b"content-type") or ""
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


class CsrfMiddleware:
    """Refuses a state-changing request carrying the CSRF cookie without the matching header.

    Form posts are checked by their page endpoint (`check_form_token`), which reads the body.
    Pure ASGI: it reads headers only and adds nothing to requests it lets through.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS and not _is_form(scope):
            cookie = _cookie_of(scope)
            if cookie is not None and not tokens_match(cookie, _header_of(scope, CSRF_HEADER.encode())):
                body = {"error": {"code": "csrf_failed", "message": "the page's CSRF token is missing or wrong; "
                                  "reload the page and try again", "details": {}}}
                response = Response(json.dumps(body), status_code=403, media_type="application/json")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def check_form_token(request: Request, form_token: str | None) -> bool:
    return tokens_match(request.cookies.get(CSRF_COOKIE), form_token)
