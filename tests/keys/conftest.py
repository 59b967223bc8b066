from __future__ import annotations

import pytest
from sqlmodel import Session

from backend.core.db import engine_for
from tests.sender.databases import database


@pytest.fixture
def session(tmp_path):
    with database("sqlite", tmp_path, purpose="keys") as url:
        with Session(engine_for(url)) as session:
            yield session
