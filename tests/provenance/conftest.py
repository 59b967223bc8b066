"""A migrated database per test (SQLite; PostgreSQL where marked) with a brand and two actors."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlmodel import Session

from backend.core.db import engine_for
from backend.db.migrate import upgrade_database
from backend.db.scratch import scratch_database
from backend.identity.models import CustodyMode, Participant, ParticipantStatus



@pytest.fixture
def database_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'provenance.db'}"
    upgrade_database(url)
    return url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with scratch_database("provenance") as database:
        upgrade_database(database.url)
        yield database.url


@dataclass(frozen=True)
class Parties:
    brand: uuid.UUID
    other_brand: uuid.UUID
    factory: uuid.UUID
    carrier: uuid.UUID


def add_parties(session: Session) -> Parties:
    def participant(name: str) -> uuid.UUID:
        row = Participant(display_name=name, custody_mode=CustodyMode.CUSTODIAL, status=ParticipantStatus.APPROVED)
        session.add(row)
        session.flush()
        return row.id

    return Parties(
        brand=participant("Acme Watches"),
        other_brand=participant("Other Brand"),
        factory=participant("Acme Factory Geneva"),
        carrier=participant("Swift Logistics"),
    )


@pytest.fixture
def session(database_url) -> Iterator[Session]:
    with Session(engine_for(database_url)) as session:
        yield session


@pytest.fixture
def parties(session) -> Parties:
    parties = add_parties(session)
    session.commit()
    return parties
