"""The API served by uvicorn in a process of its own, for the benchmarks that measure it over HTTP.

The server runs in its own process group, so stopping it also stops uvicorn's worker
processes; start-up waits until ``/health`` answers and fails fast if uvicorn exits first.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def start_api(
    environment: Mapping[str, str], port: int, *options: str, timeout: float = 60, profile: Path | None = None,
    log: Path | None = None,
) -> subprocess.Popen:
    """`backend.api.main:create_app` on 127.0.0.1:`port` with `environment` over this process's
    (no access log, warnings only); `options` go to uvicorn, e.g. ``--workers 2``.

    With `profile`, uvicorn runs under py-spy (a dev tool: ``pip install py-spy``), which samples
    the thread holding the GIL in the server and its workers (Python code running) and writes collapsed
    stacks to that file when the server stops (``_profile_summary.py`` reads them). The returned
    process is then py-spy's, so CPU figures must count its children (``_server_cpu.children``).

    With `log`, the server's output (the app's access log lines among it) goes to that file instead of
    this process's stdout and stderr."""
    py_spy = Path(sys.executable).with_name("py-spy")
    if profile is not None and not py_spy.exists():
        raise SystemExit(f"profiling needs py-spy, which is not installed: {py_spy.parent}/pip install py-spy")
    profiler = [] if profile is None else [str(py_spy), "record", "--format", "raw", "--output", str(profile),
                                           "--rate", "200", "--gil", "--subprocesses", "--"]
    command = [
        *profiler, sys.executable, "-m", "uvicorn", "backend.api.main:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log", *options,
    ]  # fmt: skip
    output = None if log is None else log.open("ab")
    server = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env={**os.environ, **environment}, start_new_session=True,
        stdout=output, stderr=output,
    )
    if output is not None:
        output.close()  # the child holds its own descriptor
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {server.returncode} before answering /health")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code < 500:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    stop_api(server)
    raise RuntimeError(f"uvicorn did not answer /health within {timeout:.0f} s")


def start_production_api(
    database_url: str, manifest: Path, port: int, workers: int, environment: Mapping[str, str] | None = None,
    profile: Path | None = None, log: Path | None = None,
) -> subprocess.Popen:
    """The API as production serves it: production settings on `database_url` and `manifest` (a fresh
    provenance secret), `workers` uvicorn worker processes on uvloop and httptools; `environment`
    adds or overrides settings (``TRUSTLEDGER_...``)."""
    settings = {
        "TRUSTLEDGER_ENVIRONMENT": "production",
        "TRUSTLEDGER_DATABASE_URL": database_url,
        "TRUSTLEDGER_MANIFEST_PATH": str(manifest),
        "TRUSTLEDGER_PROVENANCE_SECRET": secrets.token_urlsafe(32),
        "TRUSTLEDGER_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        **(environment or {}),
    }
    options = ("--workers", str(workers), "--loop", "uvloop", "--http", "httptools")
    return start_api(settings, port, *options, profile=profile, log=log)


def stop_api(server: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM to the server's process group, then SIGKILL if it has not exited within `timeout`."""
    if server.poll() is not None:
        return
    if Path(server.args[0]).name == "py-spy":  # stop uvicorn only: py-spy writes its profile once it exits
        for child in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split():
            os.kill(int(child), signal.SIGTERM)
        try:
            server.wait(timeout)
            return
        except subprocess.TimeoutExpired:
            pass
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
