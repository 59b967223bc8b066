"""Cost of the request observer (request id, latency histogram, access line) per request.

Calls a bare ASGI app and the same app wrapped by ``RequestObserver`` in-process and
prints the CPU time per call of each; the difference is the middleware's cost.
Run: ``.venv/bin/python scripts/bench/request_observer.py``.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from backend.api.request_observer import RequestObserver  # noqa: E402

CALLS = 50_000


async def bare(scope, receive, send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


async def receive() -> dict:
    return {"type": "http.request", "body": b""}


async def send(_message) -> None:
    return None


async def cpu_us_per_call(app, calls: int) -> float:
    began = time.process_time()
    for _ in range(calls):
        await app({"type": "http", "method": "GET", "path": "/x", "headers": [(b"host", b"api")]}, receive, send)
    return (time.process_time() - began) / calls * 1e6


async def main() -> None:
    observed = RequestObserver(bare)
    await cpu_us_per_call(bare, 1_000)
    await cpu_us_per_call(observed, 1_000)
    base = await cpu_us_per_call(bare, CALLS)
    wrapped = await cpu_us_per_call(observed, CALLS)
    print(f"bare_app_cpu_us_per_request: {base:.2f} us")
    print(f"observed_app_cpu_us_per_request: {wrapped:.2f} us")
    print(f"request_observer_overhead_us: {wrapped - base:.2f} us")


if __name__ == "__main__":
    asyncio.run(main())
