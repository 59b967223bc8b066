"""The FastAPI application factory (``trustledger api`` serves it with uvicorn)."""

from __future__ import annotations

from fastapi import FastAPI

from backend.api.errors import install_error_handlers
from backend.api.gs1_headers import Gs1Headers
from backend.api.router import api_router
from backend.core.config import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(
        title="trustledger",
        version="0.1.0",
        description="Ad settlement, data consent and product provenance on a permissioned EVM chain.",
    )
    app.state.settings = settings or get_settings()
    install_error_handlers(app)
    app.include_router(api_router)
    app.add_middleware(Gs1Headers, settings=app.state.settings)
    return app
