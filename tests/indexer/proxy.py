"""A JSON-RPC proxy on 127.0.0.1 in front of anvil that behaves like a stricter or lagging node.

- ``max_blocks``: eth_getLogs over more blocks is refused, as Besu does past 5,000;
- ``max_logs``: an eth_getLogs answer with more logs is refused, as geth/Infura do past 10,000;
- ``lag``: the node reports its head ``lag`` blocks back and has no later blocks (a node behind).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


class RpcProxy:
    def __init__(self, upstream: str, max_blocks: int | None = None, max_logs: int | None = None):
        self.upstream = upstream
        self.max_blocks = max_blocks
        self.max_logs = max_logs
        self.lag = 0
        self.refused_ranges = 0
        self.refused_results = 0
        self.get_logs_calls = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                answer = [proxy._answer(r) for r in body] if isinstance(body, list) else proxy._answer(body)
                payload = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http = httpx.Client(timeout=60)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "RpcProxy":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._http.close()

    def _forward(self, request: dict) -> dict:
        return self._http.post(self.upstream, json=request).json()

    def _error(self, request: dict, message: str) -> dict:
        return {"jsonrpc": "2.0", "id": request.get("id"), "error": {"code": -32005, "message": message}}

    def _head(self) -> int:
        answer = self._forward({"jsonrpc": "2.0", "id": 0, "method": "eth_blockNumber", "params": []})
        return int(answer["result"], 16) - self.lag

    def _answer(self, request: dict) -> dict:
        method, params = request.get("method"), request.get("params") or []
        if self.lag and method == "eth_blockNumber":
            return {"jsonrpc": "2.0", "id": request.get("id"), "result": hex(self._head())}
        if self.lag and method == "eth_getBlockByNumber" and params[0].startswith("0x"):
            if int(params[0], 16) > self._head():
                return {"jsonrpc": "2.0", "id": request.get("id"), "result": None}
        if method == "eth_getLogs":
            with self._lock:
                self.get_logs_calls += 1
            query = params[0]
            span = int(query["toBlock"], 16) - int(query["fromBlock"], 16) + 1
            if self.max_blocks is not None and span > self.max_blocks:
                with self._lock:
                    self.refused_ranges += 1
                return self._error(request, f"Requested range exceeds maximum range limit of {self.max_blocks}")
            answer = self._forward(request)
            if self.max_logs is not None and len(answer.get("result") or []) > self.max_logs:
                with self._lock:
                    self.refused_results += 1
                return self._error(request, f"query returned more than {self.max_logs} results")
            return answer
        return self._forward(request)
