"""Render a page in the base layout: locale, message catalog, CSRF token, security headers.

Every page of every console goes through `render_page`: its template extends
``base.html`` and names its ES module (``web/pages/<module>.js``, built to
``static/dist/<module>.js``); `page_data` is handed to that module as JSON data.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from backend.web import i18n
from backend.web import render
from backend.web.security import PAGE_HEADERS, csrf_token_of, secure_cookies, set_csrf_cookie

STATIC_URL = "/static"


def locale_of(request: Request) -> str:
    return i18n.negotiate(
        request.query_params.get("lang"), request.cookies.get(i18n.COOKIE), request.headers.get("accept-language")
    )


def render_page(
    request: Request, template: str, *, title_key: str, module: str, page_data: dict[str, Any] | None = None,
    status_code: int = 200, **context: Any,
) -> HTMLResponse:
    locale = locale_of(request)
    t = i18n.translator(locale)
    csrf = csrf_token_of(request)
    data = {"locale": locale, "messages": i18n.catalog(locale), **(page_data or {})}
    html = render.template(template).render(
        t=t, locale=locale, locales=i18n.LOCALES, csrf_token=csrf, title=t(title_key), module=module,
        static=STATIC_URL, page_data=data, path=request.url.path, **context,
    )
    response = HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)
    settings = request.app.state.settings
    set_csrf_cookie(response, csrf, secure_cookies(settings.public_base_url))
    return response
