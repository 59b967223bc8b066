"""Choose the content store from one URL setting (``TRUSTLEDGER_CONTENT_STORE_URL``)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from backend.content.kubo import KuboContentStore
from backend.content.local import LocalContentStore
from backend.content.store import ContentStore


def content_store_from_url(url: str) -> ContentStore:
    """``http(s)://host:port`` -> Kubo RPC; ``file:///dir`` or a plain path -> local directory."""
    parsed = urlparse(url)
    if parsed.scheme in ("http", "https"):
        return KuboContentStore(url)
    if parsed.scheme == "file":
        if parsed.netloc not in ("", "localhost"):
            raise ValueError(f"file URL must be local: {url!r}")
        return LocalContentStore(Path(unquote(parsed.path)))
    if "://" in url:
        raise ValueError(f"unsupported content store URL {url!r}: use a directory, file:// or http(s)://")
    return LocalContentStore(Path(url))
