"""The interface every content store implements."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class ContentStore(Protocol):
    def put(self, data: bytes) -> str:
        """Store ``data`` (at most 1 MiB) durably and return its CIDv1 (raw, sha2-256)."""
        ...

    def get(self, cid: str) -> bytes:
        """The bytes of ``cid``, checked against it; raises ``ContentNotFound``."""
        ...

    def pin(self, cid: str) -> None:
        """Keep ``cid`` from garbage collection; raises ``ContentNotFound`` where the store can tell."""
        ...
