"""Content addressed by CIDv1 (terms, product metadata, creatives, EPCIS documents).

A local directory is the embedded default; an IPFS node (Kubo) is used when the
content store URL is ``http(s)://``. Both compute the same CID for the same bytes.
"""

from backend.content.cid import MAX_CONTENT_BYTES, cid_for
from backend.content.errors import (
    CidMismatch,
    ContentNotFound,
    ContentStoreError,
    ContentStoreUnavailable,
    ContentTooLarge,
    InvalidCid,
)
from backend.content.factory import content_store_from_url
from backend.content.kubo import KuboContentStore
from backend.content.local import LocalContentStore
from backend.content.store import ContentStore

__all__ = [
    "MAX_CONTENT_BYTES",
    "CidMismatch",
    "ContentNotFound",
    "ContentStore",
    "ContentStoreError",
    "ContentStoreUnavailable",
    "ContentTooLarge",
    "InvalidCid",
    "KuboContentStore",
    "LocalContentStore",
    "cid_for",
    "content_store_from_url",
]
