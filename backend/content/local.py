"""Content in a local directory: the embedded default (one file per CID)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from backend.content.cid import check_size, cid_for, parse_cid, verify_content
from backend.content.errors import ContentNotFound


class LocalContentStore:
    """Files named by CID under ``root``, sharded by the CID's last two characters.

    Writes go to a temporary file and are renamed into place, so a reader never
    sees half a file and concurrent writers of the same content are harmless.
    Everything in the directory is kept, so ``pin`` only checks presence.
    """

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, cid: str) -> Path:
        canonical = str(parse_cid(cid).set(base="base32"))
        return self.root / canonical[-2:] / canonical

    def put(self, data: bytes) -> str:
        check_size(data)
        cid = cid_for(data)
        path = self._path(cid)
        if path.exists():
            return cid
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return cid

    def get(self, cid: str) -> bytes:
        try:
            data = self._path(cid).read_bytes()
        except FileNotFoundError:
            raise ContentNotFound(cid) from None
        verify_content(cid, data)
        return data

    def pin(self, cid: str) -> None:
        if not self._path(cid).exists():
            raise ContentNotFound(cid)
