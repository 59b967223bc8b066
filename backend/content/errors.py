"""Errors of the content stores; all derive from ``ContentStoreError``."""

from __future__ import annotations


class ContentStoreError(Exception):
    """A content store operation failed."""


class ContentTooLarge(ContentStoreError):
    def __init__(self, size: int, limit: int):
        self.size = size
        self.limit = limit
        super().__init__(
            f"content is {size} bytes; the content store takes at most {limit} bytes (1 MiB), "
            "the largest content whose CID is the same in the local store and in Kubo"
        )


class InvalidCid(ContentStoreError):
    def __init__(self, cid: str, reason: str):
        self.cid = cid
        super().__init__(f"invalid CID {cid!r}: {reason}")


class CidMismatch(ContentStoreError):
    """Bytes and CID disagree: a store returned a CID or content other than the one computed locally."""

    def __init__(self, expected: str, actual: str):
        self.expected = expected
        self.actual = actual
        super().__init__(f"CID mismatch: expected {expected}, got {actual}")


class ContentNotFound(ContentStoreError):
    def __init__(self, cid: str):
        self.cid = cid
        super().__init__(f"no content for {cid}")


class ContentStoreUnavailable(ContentStoreError):
    """The store did not answer (timeouts or connection errors) after every retry."""
