"""Small HTTP servers on 127.0.0.1 that speak just enough Kubo RPC / Besu JSON-RPC for the tests."""

from __future__ import annotations

import json
import sys
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from backend.content import cid_for


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A client that timed out and hung up is what the timeout tests provoke.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Server:
    def __init__(self, handler_class: type[BaseHTTPRequestHandler]):
        self._httpd = _QuietServer(("127.0.0.1", 0), handler_class)
        self._httpd.owner = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._httpd.shutdown()
        self._httpd.server_close()


class FakeKubo(_Server):
    """``/api/v0/add``, ``/cat`` and ``/pin/add``, with knobs to misbehave.

    - ``stall_first``: that many requests sleep ``stall_seconds`` before answering;
    - ``wrong_cid``: ``add`` reports this CID instead of the real one;
    - ``tamper``: ``cat`` returns different bytes than were stored.
    """

    def __init__(self, stall_first: int = 0, stall_seconds: float = 1.0, wrong_cid: str | None = None):
        super().__init__(_KuboHandler)
        self.blocks: dict[str, bytes] = {}
        self.pins: set[str] = set()
        self.requests: list[tuple[str, dict]] = []
        self.stall_first = stall_first
        self.stall_seconds = stall_seconds
        self.wrong_cid = wrong_cid
        self.tamper = False
        self._lock = threading.Lock()

    def _should_stall(self) -> bool:
        with self._lock:
            if self.stall_first > 0:
                self.stall_first -= 1
                return True
            return False


class _KuboHandler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, message: str) -> None:
        self._reply(500, json.dumps({"Message": message, "Code": 0, "Type": "error"}).encode())

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        kubo: FakeKubo = self.server.owner  # type: ignore[attr-defined]
        parsed = urlparse(self.path)
        params = {key: values[0] for key, values in parse_qs(parsed.query).items()}
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        kubo.requests.append((parsed.path, params))
        if kubo._should_stall():
            time.sleep(kubo.stall_seconds)
        if parsed.path == "/api/v0/add":
            message = BytesParser(policy=HTTP).parsebytes(
                b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + body
            )
            data = next(part.get_payload(decode=True) for part in message.iter_parts())
            cid = cid_for(data)
            kubo.blocks[cid] = data
            if params.get("pin") == "true":
                kubo.pins.add(cid)
            reported = kubo.wrong_cid or cid
            self._reply(200, json.dumps({"Name": "content", "Hash": reported, "Size": str(len(data))}).encode() + b"\n")
        elif parsed.path == "/api/v0/cat":
            data = kubo.blocks.get(params.get("arg", ""))
            if data is None:
                self._error("block was not found locally (offline): ipld: could not find node")
            else:
                self._reply(200, data + b"!" if kubo.tamper else data, "text/plain")
        elif parsed.path == "/api/v0/pin/add":
            cid = params.get("arg", "")
            if cid not in kubo.blocks:
                self._error(f"pin: {cid} not found")
            else:
                kubo.pins.add(cid)
                self._reply(200, json.dumps({"Pins": [cid]}).encode())
        else:
            self._reply(404, b"404 page not found", "text/plain")


class FakeBesu(_Server):
    """JSON-RPC: ``web3_clientVersion``, ``perm_getAccountsAllowlist``, ``perm_addAccountsToAllowlist``.

    Like Besu, a request that repeats an allowlisted account is rejected as a whole.
    """

    def __init__(
        self,
        client_version: str = "besu/v25.8.0/linux-x86_64/openjdk-java-21",
        allowlist=(),
        perm_enabled: bool = True,
    ):
        super().__init__(_BesuHandler)
        self.client_version = client_version
        self.perm_enabled = perm_enabled
        self.allowlist: list[str] = list(allowlist)
        self.calls: list[tuple[str, list]] = []


class _BesuHandler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        besu: FakeBesu = self.server.owner  # type: ignore[attr-defined]
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        method, params = request["method"], request.get("params", [])
        besu.calls.append((method, params))
        answer: dict = {"jsonrpc": "2.0", "id": request["id"]}
        if method == "web3_clientVersion":
            answer["result"] = besu.client_version
        elif method.startswith("perm_") and not besu.perm_enabled:
            answer["error"] = {"code": -32604, "message": "Method not enabled"}
        elif method == "perm_getAccountsAllowlist":
            answer["result"] = list(besu.allowlist)
        elif method == "perm_addAccountsToAllowlist":
            accounts = params[0]
            present = {a.lower() for a in besu.allowlist}
            if any(a.lower() in present for a in accounts):
                answer["error"] = {"code": -32000, "message": "Cannot add an existing account to allowlist"}
            else:
                besu.allowlist.extend(accounts)
                answer["result"] = "Success"
        else:
            answer["error"] = {"code": -32601, "message": "Method not found"}
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
