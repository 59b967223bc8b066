"""A projection turns one contract's events into domain rows: event name -> handler.

A handler receives a ``ProjectionContext`` bound to the log being projected and
writes through it, so every change lands in the batch's transaction and its undo
journal; handlers never touch the database themselves::

    projection = Projection("SettlementToken")

    @projection.on("Transfer")
    def transfer(ctx: ProjectionContext) -> None:
        ctx.record(TokenTransfer, sender=ctx.args["from"], ...)
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable

from pydantic_core import PydanticUndefined
from sqlmodel import SQLModel

from indexer.errors import ProjectionError
from indexer.row_changes import RowChanges

if TYPE_CHECKING:
    from indexer.decoding import DecodedLog

Handler = Callable[["ProjectionContext"], None]


@lru_cache(maxsize=None)
def _defaults(model: type[SQLModel]) -> tuple[dict[str, Any], tuple[tuple[str, Callable[[], Any]], ...]]:
    values = {}
    factories = []
    for name, field in model.model_fields.items():
        if field.default_factory is not None:
            factories.append((name, field.default_factory))
        elif field.default is not PydanticUndefined:
            values[name] = field.default
    return values, tuple(factories)


def new_row(model: type[SQLModel], **fields: Any) -> dict[str, Any]:
    """A row dict holding the model's defaults (factories called afresh), then `fields`."""
    values, factories = _defaults(model)
    row = dict(values)
    for name, factory in factories:
        row[name] = factory()
    row.update(fields)
    return row


@lru_cache(maxsize=None)
def _key_of(model: type[SQLModel]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    names = [c.name for c in model.__table__.primary_key.columns]
    return lambda row: tuple(row[name] for name in names)


class Projection:
    """The handlers of one contract artifact."""

    def __init__(self, artifact: str):
        self.artifact = artifact
        self.handlers: dict[str, Handler] = {}

    def on(self, event: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.handlers[event] = handler
            return handler

        return register

    def check_events(self, abi_events: set[str]) -> None:
        unknown = sorted(set(self.handlers) - abi_events)
        if unknown:
            raise ProjectionError(f"{self.artifact} projection handles events its ABI lacks: {', '.join(unknown)}")


class ProjectionContext:
    """What a handler may do while projecting ``log``: append history rows, read and write state rows."""

    __slots__ = ("changes", "log", "args")

    def __init__(self, changes: RowChanges):
        self.changes = changes
        self.log: DecodedLog
        self.args: dict[str, Any]

    def bind(self, log: DecodedLog) -> "ProjectionContext":
        self.log = log
        self.args = log.args or {}
        return self

    def record(self, model: type[SQLModel], **fields: Any) -> None:
        """Append a history row (an ``EventRow`` model); the log's position and contract are filled in."""
        log = self.log
        row = new_row(model, **fields)
        row["block_number"] = log.block_number
        row["log_index"] = log.log_index
        row["contract"] = log.address
        row["tx_hash"] = log.tx_hash
        row["block_timestamp"] = log.block_timestamp
        self.changes.append(model.__table__, row)

    def load(self, model: type[SQLModel], *key: Any) -> dict[str, Any] | None:
        """The current row of a state table by primary key (in column order), or None."""
        return self.changes.load(model.__table__, key)

    def require(self, model: type[SQLModel], *key: Any) -> dict[str, Any]:
        """The current row; ProjectionError when it does not exist (the contract would have reverted)."""
        row = self.load(model, *key)
        if row is None:
            raise ProjectionError(
                f"{self.log.event} in block {self.log.block_number} log {self.log.log_index} "
                f"refers to a missing {model.__tablename__} row {key}"
            )
        return row

    def load_or_new(self, model: type[SQLModel], *key: Any) -> dict[str, Any]:
        """The current row, or a new one holding the model's defaults and the key."""
        row = self.load(model, *key)
        if row is None:
            row = new_row(model, **dict(zip((c.name for c in model.__table__.primary_key.columns), key)))
        return row

    def save(self, model: type[SQLModel], row: dict[str, Any]) -> None:
        """Write a state row as of this log's block (``updated_block`` is set here)."""
        row["updated_block"] = self.log.block_number
        self.changes.store(model.__table__, _key_of(model)(row), row, self.log.block_number)

    def remove(self, model: type[SQLModel], *key: Any) -> None:
        self.changes.store(model.__table__, key, None, self.log.block_number)


__all__ = ["Handler", "Projection", "ProjectionContext", "new_row"]
