"""The FastAPI application factory (``trustledger api`` serves it with uvicorn)."""

from __future__ import annotations

from fastapi import FastAPI

from backend.api import metrics
from backend.api.errors import install_error_handlers
from backend.api.gc_freeze import freeze_once
from backend.api.gs1_headers import Gs1Headers
from backend.api.limits import install_limits
from backend.api.request_observer import RequestObserver
from backend.api.router import include_api
from backend.core.config import Settings, get_settings
from backend.core.log_format import configure_logging
from backend.api.routes import digital_link
from backend.web.routes import install_pages


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(
        title="trustledger",
        version="0.1.0",
        description="Ad settlement, data consent and product provenance on a permissioned EVM chain.",
    )
    app.state.settings = settings or get_settings()
    if app.state.settings.environment == "production" or app.state.settings.log_format is not None:
        configure_logging(app.state.settings.effective_log_format)
    install_error_handlers(app)
    app.include_router(metrics.router)
    install_limits(app, app.state.settings)
    include_api(app)
    install_pages(app)  # the consoles (backend/web): pages, /static, CSRF check
    app.include_router(digital_link.compressed_router)  # last: compressed Digital Links at the root
    app.add_middleware(RequestObserver)
    app.add_middleware(Gs1Headers, settings=app.state.settings)
    freeze_once("app")  # modules and the first app, once per process
    return app
