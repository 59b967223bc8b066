"""The pages' routes: one block per console, plus the language switch and the static files.

Add a console: a view-model module beside ``consumer.py``, a template extending
``base.html`` (participants sign in through ``partials/signin.html`` and
``web/lib/participant-session.js``), an ES module ``web/pages/<name>.js``, its messages in
``messages/<name>/``, and a route calling `render_page` — here, or in the console's own
``<name>_pages.py`` router included by `install_pages`.
Pages read public facts directly (a session of their own); everything behind a
credential is fetched by the page from ``/v1`` with the in-memory token.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlmodel import Session

from backend.consent.chain import ConsentDeployment
from backend.core.db import engine_for
from backend.identity.chain import ChainNotConfigured
from backend.web import advertiser_pages, auditor_pages, brand_pages, consumer, i18n, publisher_pages
from backend.web.layout import STATIC_URL, render_page
from backend.web.security import CSRF_FIELD, CsrfMiddleware, PAGE_HEADERS, check_form_token, secure_cookies

STATIC = Path(__file__).resolve().parent / "static"
WALLET_PATH = "/wallet"

router = APIRouter(include_in_schema=False)


@router.get(WALLET_PATH)
def consumer_wallet(request: Request) -> Response:
    settings = request.app.state.settings
    try:
        deployment = ConsentDeployment.from_settings(settings)
    except ChainNotConfigured:
        deployment = None
    with Session(engine_for(settings.database_url)) as session:
        page = consumer.wallet_page(session, deployment)
    return render_page(request, "consumer/wallet.html", title_key="wallet.title", module="consumer",
                       page_data=page.config, page=page)


@router.post("/web/locale")
async def switch_locale(request: Request) -> Response:
    """The language switcher's form: sets the language cookie and goes back to the page it came from."""
    # application/x-www-form-urlencoded, read with the standard library (no multipart support needed)
    fields = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=8)
    form = {name: values[0] for name, values in fields.items()}
    if not check_form_token(request, str(form.get(CSRF_FIELD, ""))):
        return Response("The page's CSRF token is missing or wrong; reload the page and try again.",
                        status_code=403, headers=PAGE_HEADERS, media_type="text/plain")
    locale = i18n.supported(str(form.get("lang", ""))) or i18n.DEFAULT
    back = urlsplit(str(form.get("next", "/"))).path or "/"
    response = RedirectResponse(back if back.startswith("/") and not back.startswith("//") else "/", status_code=303)
    response.set_cookie(i18n.COOKIE, locale, max_age=365 * 86400, samesite="strict", httponly=True,
                        secure=secure_cookies(request.app.state.settings.public_base_url))
    return response


def install_pages(app: FastAPI) -> None:
    """The page routes, the built assets under /static, and the CSRF check."""
    app.include_router(router)
    app.include_router(advertiser_pages.router)
    app.include_router(publisher_pages.router)
    app.include_router(auditor_pages.router)
    app.include_router(brand_pages.router)
    app.mount(STATIC_URL, StaticFiles(directory=STATIC, check_dir=False), name="static")
    app.add_middleware(CsrfMiddleware)
