"""A database with the backend's tables and the indexer's mirror, rows written directly (no chain),
and a counter of the SQL statements a read issues: for tests that a read's query count does not
grow with the number of rows it covers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlmodel import Session

from backend.core.db import engine_for
from backend.db.migrate import upgrade_database
from indexer import models as chain
from indexer.database import make_engine
from indexer.database import migrate as migrate_mirror

ZERO_HASH = "0x" + "00" * 32


def mirrored_session(path: Path, chain_id: int, *, head: int = 50, head_timestamp: int | None = None) -> Session:
    """A session on a fresh SQLite file, its mirror's checkpoint at block `head` (and that block
    indexed with `head_timestamp`, when given)."""
    url = f"sqlite:///{path}"
    upgrade_database(url)
    mirror = make_engine(url)
    migrate_mirror(mirror)
    mirror.dispose()
    session = Session(engine_for(url))
    session.add(chain.Checkpoint(chain_id=chain_id, block_number=head, block_hash=ZERO_HASH, logs_total=0,
                                 updated_at=0.0, logs_per_second=0.0))
    if head_timestamp is not None:
        session.add(chain.IndexedBlock(chain_id=chain_id, number=head, hash=ZERO_HASH, parent_hash=ZERO_HASH,
                                       timestamp=head_timestamp))
    return session


@contextmanager
def counted_statements(session: Session) -> Iterator[list[str]]:
    """The statements sent on the session's engine inside the block."""
    statements: list[str] = []
    engine = session.get_bind()

    def count(_connection, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
