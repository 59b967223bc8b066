"""Start and stop a local anvil node from ``node_modules`` (offline, no download).

Used by the demo, the tests and the benchmarks. Production runs Besu instead
(``chain-config/``, ``docker-compose.yml``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parents[2]
_ANVIL_CANDIDATES = (
    PROJECT_ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil",
    PROJECT_ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-arm64" / "bin" / "anvil",
    PROJECT_ROOT / "node_modules" / ".bin" / "anvil",
)
DEFAULT_CHAIN_ID = 31337
# anvil's well-known development mnemonic; its keys are public and fund only local chains.
DEV_MNEMONIC = "test test test test test test test test test test test junk"


class LocalNodeError(RuntimeError):
    """anvil could not be started or did not answer in time."""


def anvil_binary() -> Path:
    override = os.environ.get("TRUSTLEDGER_ANVIL")
    if override:
        return Path(override)
    for candidate in _ANVIL_CANDIDATES:
        if candidate.exists():
            return candidate
    raise LocalNodeError("anvil not found in node_modules; run `make install` (npm ci) first")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def dev_private_keys(count: int = 10) -> list[str]:
    """Private keys of anvil's default development accounts (local chains only)."""
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    return [
        Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}").key.to_0x_hex()
        for index in range(count)
    ]


class LocalNode:
    """An anvil process on 127.0.0.1; a context manager that always stops it."""

    def __init__(
        self,
        port: int | None = None,
        chain_id: int = DEFAULT_CHAIN_ID,
        state_file: Path | None = None,
        block_time: float | None = None,
        accounts: int = 10,
        extra_args: tuple[str, ...] = (),
    ):
        self.port = port or free_port()
        self.chain_id = chain_id
        self.state_file = state_file
        self.block_time = block_time
        self.accounts = accounts
        self.extra_args = extra_args
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        command = [
            str(anvil_binary()),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--chain-id", str(self.chain_id),
            "--accounts", str(self.accounts),
            "--silent",
        ]
        if self.block_time:
            command += ["--block-time", str(self.block_time)]
        if self.state_file:
            # --state loads the file when it exists and dumps to it on exit and every interval.
            command += ["--state", str(self.state_file), "--state-interval", "5"]
        return command + list(self.extra_args)

    def start(self, timeout: float = 15.0) -> "LocalNode":
        if self._process is not None:
            return self
        self._process = subprocess.Popen(
            self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                error = self._process.stderr.read().decode(errors="replace") if self._process.stderr else ""
                self._process = None
                raise LocalNodeError(f"anvil exited with {self._process_returncode_text(error)}")
            if self.is_answering():
                return self
            time.sleep(0.05)
        self.stop()
        raise LocalNodeError(f"anvil did not answer on {self.url} within {timeout}s")

    @staticmethod
    def _process_returncode_text(error: str) -> str:
        return error.strip() or "no output"

    def is_answering(self) -> bool:
        try:
            response = httpx.post(
                self.url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}, timeout=1.0
            )
            return response.status_code == 200 and "result" in response.json()
        except (httpx.HTTPError, ValueError):
            return False

    def stop(self, timeout: float = 10.0) -> None:
        """Stop anvil with SIGTERM (so a --state file is dumped), SIGKILL if it hangs."""
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> "LocalNode":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
