"""Reading the mirror and waiting on it, for the indexer's tests."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from sqlmodel import Session, select

from indexer import Indexer


def rows(indexer: Indexer, model, **equal: Any) -> list:
    with Session(indexer.engine) as session:
        statement = select(model)
        for name, value in equal.items():
            statement = statement.where(getattr(model, name) == value)
        return list(session.exec(statement).all())


def one(indexer: Indexer, model, **equal: Any):
    found = rows(indexer, model, **equal)
    assert len(found) <= 1, found
    return found[0] if found else None


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Following:
    """``Indexer.run`` in a thread, stopped (and its errors re-raised) on exit."""

    def __init__(self, indexer: Indexer):
        self.indexer = indexer
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.indexer.run(self.stop)
        except BaseException as exc:  # re-raised in the test thread
            self.error = exc

    def caught_up(self, block: int) -> bool:
        if self.error is not None:
            raise self.error
        checkpoint = self.indexer.checkpoint()
        return checkpoint is not None and checkpoint.block_number >= block

    def __enter__(self) -> "Following":
        self.indexer.open()
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop.set()
        self._thread.join(timeout=30)
        if self.error is not None and exc_info[0] is None:
            raise self.error
