"""Content on an IPFS node through Kubo's HTTP RPC (``/api/v0``), with httpx.

``ipfshttpclient`` refuses Kubo >= 0.8 and is unmaintained, so the three calls we
need are made directly. Every CID Kubo reports is compared with the CID computed
here, and every byte read back is hashed against the CID asked for: the node is
trusted to store content, never to name or return it correctly.
"""

from __future__ import annotations

import json
import time

import httpx

from backend.content.cid import MAX_CONTENT_BYTES, check_size, cid_for, parse_cid, same_cid, verify_content
from backend.content.errors import CidMismatch, ContentNotFound, ContentStoreError, ContentStoreUnavailable

# One raw block per file: Kubo's CID is then CIDv1(raw, sha2-256(bytes)), see cid.py.
ADD_PARAMS = {
    "cid-version": "1",
    "raw-leaves": "true",
    "chunker": f"size-{MAX_CONTENT_BYTES}",
    "hash": "sha2-256",
    "pin": "true",
}


class KuboContentStore:
    """``put`` / ``get`` / ``pin`` against Kubo's RPC at ``base_url`` (e.g. ``http://kubo:5001``).

    Timeouts and connection errors are retried ``retries`` times, waiting
    ``backoff``, then twice that, and so on; Kubo's own error answers are not
    retried (they would fail the same way). Re-sending an ``add`` is harmless:
    the same bytes get the same CID.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        client: httpx.Client | None = None,
    ):
        if retries < 0:
            raise ValueError("retries cannot be negative")
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        self._client = client or httpx.Client(timeout=timeout)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> KuboContentStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _post(self, command: str, params: dict, files: dict | None = None) -> httpx.Response:
        url = f"{self.base_url}/api/v0/{command}"
        attempt = 0
        while True:
            try:
                response = self._client.post(url, params=params, files=files)
            except httpx.TransportError as exc:  # timeouts, refused or dropped connections
                if attempt >= self.retries:
                    raise ContentStoreUnavailable(
                        f"Kubo at {self.base_url} did not answer {command} after {attempt + 1} attempts: {exc!r}"
                    ) from exc
                time.sleep(self.backoff * 2**attempt)
                attempt += 1
                continue
            if response.status_code != 200:
                raise ContentStoreError(f"Kubo {command} failed ({response.status_code}): {_kubo_message(response)}")
            return response

    def put(self, data: bytes) -> str:
        check_size(data)
        expected = cid_for(data)
        response = self._post("add", ADD_PARAMS, files={"file": ("content", data, "application/octet-stream")})
        reported = _added_cid(response)
        if not same_cid(reported, expected):
            raise CidMismatch(expected=expected, actual=reported)
        return expected

    def get(self, cid: str) -> bytes:
        parse_cid(cid)
        try:
            # One byte over the limit is enough to tell an oversized answer apart.
            response = self._post("cat", {"arg": cid, "length": str(MAX_CONTENT_BYTES + 1)})
        except ContentStoreError as exc:
            if "not found" in str(exc).lower():
                raise ContentNotFound(cid) from exc
            raise
        data = response.content
        verify_content(cid, data)
        return data

    def pin(self, cid: str) -> None:
        parse_cid(cid)
        response = self._post("pin/add", {"arg": cid})
        pins = _json(response).get("Pins") or []
        if not any(same_cid(pinned, cid) for pinned in pins):
            raise CidMismatch(expected=cid, actual=", ".join(pins) or "nothing pinned")


def _json(response: httpx.Response) -> dict:
    try:
        return json.loads(response.text)
    except json.JSONDecodeError as exc:
        raise ContentStoreError(f"Kubo answered with something other than JSON: {response.text[:200]!r}") from exc


def _added_cid(response: httpx.Response) -> str:
    """The ``Hash`` of the last object in ``add``'s newline-delimited JSON answer."""
    entries = [json.loads(line) for line in response.text.splitlines() if line.strip()]
    hashes = [entry["Hash"] for entry in entries if "Hash" in entry]
    if not hashes:
        raise ContentStoreError(f"Kubo add returned no CID: {response.text[:200]!r}")
    return hashes[-1]


def _kubo_message(response: httpx.Response) -> str:
    try:
        return json.loads(response.text).get("Message", response.text)
    except (json.JSONDecodeError, AttributeError):
        return response.text[:200]
