"""One nonce counter per sending key, kept in the database so it survives restarts.

Only the holder of a key's counter row lock may take nonces for that key: on
PostgreSQL the row is locked with SELECT ... FOR UPDATE SKIP LOCKED, so a second
worker moves on to other keys instead of taking the same nonce (or waiting).
SQLite has a single writer and ignores FOR UPDATE; the embedded mode runs one sender.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, select

from backend.db.base import BackendModel


class SenderNonce(BackendModel, table=True):
    __tablename__ = "sender_nonces"

    sender: str = Field(max_length=42, primary_key=True)
    next_nonce: int = Field(default=0)
    updated_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _create_counter(engine: Engine, sender: str) -> None:
    # In its own short transaction: a counter row inserted but not committed by one worker would
    # make every other worker's insert (and so its whole pass) wait. ON CONFLICT DO NOTHING lets
    # two workers meeting a new key both "create" the one row.
    insert = _INSERT[engine.dialect.name]
    with Session(engine) as session:
        session.exec(
            insert(SenderNonce)
            .values(sender=sender, next_nonce=0, updated_at=datetime.now(UTC))
            .on_conflict_do_nothing(index_elements=["sender"])
        )
        session.commit()


def lock_nonce(session: Session, sender: str) -> SenderNonce | None:
    """Lock `sender`'s counter for the rest of the session's transaction; None if another worker holds it."""
    statement = (
        select(SenderNonce)
        .where(SenderNonce.sender == sender)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    counter = session.exec(statement).first()
    if counter is None:
        _create_counter(session.get_bind(), sender)
        counter = session.exec(statement).first()
    return counter


def next_free_nonce(counter: SenderNonce, chain_pending: int) -> int:
    """The next nonce to sign with, from a locked counter.

    Never below the chain's pending count, so a transaction sent from the same key
    outside the sender (a deploy script) does not make the next one collide.
    """
    return max(counter.next_nonce, chain_pending)


def advance(counter: SenderNonce, next_nonce: int) -> None:
    counter.next_nonce = next_nonce
    counter.updated_at = datetime.now(UTC)
