"""Request context as typed dependencies (settings, database session)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session

from backend.core.config import Settings
from backend.core.db import engine_for


async def get_app_settings(request: Request) -> Settings:
    # async: no I/O, so no thread-pool hop on every request
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


async def get_session(settings: SettingsDep) -> AsyncIterator[Session]:
    """A session for the request, closed after it.

    Async: a sync generator costs two thread-pool hops per request (enter and exit), and
    opening a session does no I/O (it connects on first use). Closing one does I/O only
    while a transaction is open (its rollback): then, and only then, in the thread pool.
    """
    session = Session(engine_for(settings.database_url))
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_session)]
