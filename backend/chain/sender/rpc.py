"""A minimal JSON-RPC client over httpx that sends many calls in one HTTP request.

web3.py makes one request per call with a middleware stack around each (about 60
transactions a second here); the sender instead batches its sends, receipt and
estimate look-ups, a few hundred calls per request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

Call = tuple[str, list]


class RpcTransportError(RuntimeError):
    """The node could not be reached or answered something that is not JSON-RPC."""


@dataclass
class RpcError(Exception):
    """An error object the node returned for one call."""

    code: int
    message: str
    data: Any = None

    def __str__(self) -> str:
        return f"{self.message} (code {self.code})"


class JsonRpc:
    def __init__(
        self, url: str, *, timeout: float = 30.0, chunk_size: int = 100, transport: httpx.BaseTransport | None = None
    ):
        self.url = url
        # anvil stalls on very large batches and Besu caps them (--rpc-http-max-batch-size); 100 is safe for both.
        self.chunk_size = chunk_size
        self._client = httpx.Client(timeout=timeout, transport=transport)

    def _post(self, payload: Any) -> Any:
        try:
            response = self._client.post(
                self.url, content=orjson.dumps(payload), headers={"content-type": "application/json"}
            )
            response.raise_for_status()
            return orjson.loads(response.content)
        except (httpx.HTTPError, orjson.JSONDecodeError) as error:
            raise RpcTransportError(f"{self.url}: {error}") from error

    @staticmethod
    def _result(reply: dict) -> Any:
        if "error" in reply:
            error = reply["error"]
            return RpcError(int(error.get("code", 0)), str(error.get("message", "")), error.get("data"))
        return reply.get("result")

    def call(self, method: str, params: list | None = None) -> Any:
        """One call; raises RpcError for an error reply."""
        result = self._result(self._post({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}))
        if isinstance(result, RpcError):
            raise result
        return result

    def batch(self, calls: Sequence[Call]) -> list[Any]:
        """Results in the order of `calls`; an error reply is returned as an RpcError in its place."""
        results: list[Any] = []
        for start in range(0, len(calls), self.chunk_size):
            chunk = calls[start : start + self.chunk_size]
            payload = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(chunk)]
            replies = self._post(payload)
            if not isinstance(replies, list):
                raise RpcTransportError(f"{self.url} answered a batch with {type(replies).__name__}")
            # Replies to a batch may come in any order; ids put them back.
            by_id = {reply.get("id"): self._result(reply) for reply in replies}
            results.extend(by_id.get(i, RpcError(0, "no reply in batch")) for i in range(len(chunk)))
        return results

    def close(self) -> None:
        self._client.close()
