"""The few JSON-RPC calls the indexer makes, over one HTTP connection, with named failures.

web3.py is not used here: its middleware and result formatting cost more than the
indexer's own decoding, and it hides the error texts the range logic depends on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import orjson

from indexer.errors import LogRangeRejected, NodeUnavailable, RpcError

# Texts nodes use when an eth_getLogs range or answer is too large: geth/Infura
# ("query returned more than 10000 results"), Besu ("exceeds maximum range limit"),
# Erigon and providers ("block range too large", "response size exceeded", "limit exceeded").
_RANGE_REJECTED = re.compile(
    r"too (many|large|big)|more than|exceed|limit|range|response size|max results|timeout|timed out",
    re.IGNORECASE,
)
_HTTP_TOO_LARGE = 413


@dataclass(frozen=True, slots=True)
class BlockHeader:
    number: int
    hash: str
    parent_hash: str
    timestamp: int


def _header(raw: dict | None) -> BlockHeader | None:
    if raw is None:
        return None
    return BlockHeader(
        number=int(raw["number"], 16),
        hash=raw["hash"],
        parent_hash=raw["parentHash"],
        timestamp=int(raw["timestamp"], 16),
    )


class NodeClient:
    """A JSON-RPC client bound to one node URL. One instance per thread."""

    # Besu answers at most 1024 calls per batch by default.
    MAX_BATCH = 500

    def __init__(self, url: str, timeout: float = 30.0):
        self.url = url
        self._http = httpx.Client(timeout=timeout, headers={"content-type": "application/json"})
        self._next_id = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "NodeClient":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _post(self, payload: object, method: str) -> object:
        try:
            response = self._http.post(self.url, content=orjson.dumps(payload))
        except httpx.TimeoutException as exc:
            if method == "eth_getLogs":
                raise LogRangeRejected(f"eth_getLogs timed out: {exc}") from exc
            raise NodeUnavailable(f"{method}: {self.url} timed out") from exc
        except httpx.TransportError as exc:
            raise NodeUnavailable(f"{method}: {self.url} unreachable ({exc.__class__.__name__}: {exc})") from exc
        if response.status_code == _HTTP_TOO_LARGE and method == "eth_getLogs":
            raise LogRangeRejected("eth_getLogs answer too large (HTTP 413)")
        if response.status_code >= 500 or response.status_code == 429:
            raise NodeUnavailable(f"{method}: {self.url} answered HTTP {response.status_code}")
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise NodeUnavailable(f"{method}: {self.url} answered HTTP {response.status_code}, not JSON") from exc

    def _request(self, method: str, params: list) -> dict:
        self._next_id += 1
        return {"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params}

    @staticmethod
    def _result(method: str, answer: object):
        if not isinstance(answer, dict):
            raise NodeUnavailable(f"{method}: malformed JSON-RPC answer")
        error = answer.get("error")
        if error is not None:
            message = str(error.get("message", error)) if isinstance(error, dict) else str(error)
            code = error.get("code") if isinstance(error, dict) else None
            if method == "eth_getLogs" and _RANGE_REJECTED.search(message):
                raise LogRangeRejected(f"eth_getLogs: {message}")
            raise RpcError(method, code, message)
        if "result" not in answer:
            raise NodeUnavailable(f"{method}: JSON-RPC answer without result")
        return answer["result"]

    def call(self, method: str, params: list | None = None):
        return self._result(method, self._post(self._request(method, params or []), method))

    def batch(self, method: str, params_list: list[list]) -> list:
        """The same method with many parameter lists, in as few HTTP requests as the node allows."""
        results: list = []
        for start in range(0, len(params_list), self.MAX_BATCH):
            requests = [self._request(method, params) for params in params_list[start : start + self.MAX_BATCH]]
            answers = self._post(requests, method)
            if not isinstance(answers, list):
                # A node answers a whole batch with one error object when it refuses batches.
                self._result(method, answers)
                raise NodeUnavailable(f"{method}: batch answered with a single object")
            by_id = {answer.get("id"): answer for answer in answers if isinstance(answer, dict)}
            for request in requests:
                results.append(self._result(method, by_id.get(request["id"])))
        return results

    def chain_id(self) -> int:
        return int(self.call("eth_chainId"), 16)

    def head(self) -> int:
        return int(self.call("eth_blockNumber"), 16)

    def header(self, number: int) -> BlockHeader | None:
        """The header of block `number`, or None when the node does not have it (yet)."""
        return _header(self.call("eth_getBlockByNumber", [hex(number), False]))

    def headers(self, numbers: list[int]) -> dict[int, BlockHeader | None]:
        raws = self.batch("eth_getBlockByNumber", [[hex(number), False] for number in numbers])
        return {number: _header(raw) for number, raw in zip(numbers, raws)}

    def get_logs(self, from_block: int, to_block: int, addresses: list[str]) -> list[dict]:
        """Raw logs of `addresses` in [from_block, to_block], in the node's JSON shape."""
        return self.call(
            "eth_getLogs", [{"fromBlock": hex(from_block), "toBlock": hex(to_block), "address": addresses}]
        )


__all__ = ["BlockHeader", "NodeClient"]
