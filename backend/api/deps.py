"""Request context as typed dependencies (settings, database session)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from backend.core.config import Settings
from backend.core.db import engine_for


async def get_app_settings(request: Request) -> Settings:
    # async: no I/O, so no thread-pool hop on every request
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_session(settings: SettingsDep) -> Iterator[Session]:
    with Session(engine_for(settings.database_url)) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
