"""The hot routes' own worker threads: a small pool per process, entered from the event loop.

The product page and the advertisers' data read do blocking database work, so it runs off
the loop. A few threads are enough to overlap database waits; AnyIO's shared pool of 40 let
an overloaded worker run dozens of pages at once, each holding a connection and all
contending for the GIL, which made every page slow instead of queueing the excess. The pool
is entered with asyncio's `run_in_executor` rather than `anyio.to_thread.run_sync` (what
FastAPI does for a plain `def` route), whose capacity limiter and cancel scopes cost the page
about a tenth of its event-loop CPU (py-spy, scripts/bench/verify_page.py). The caller's
context variables (the request id the log lines carry) go with the call.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

HOT_THREADS = 4  # per worker process

T = TypeVar("T")


class HotThreads:
    def __init__(self, threads: int = HOT_THREADS) -> None:
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="hot")

    async def run(self, function: Callable[..., T], *args) -> T:
        """`function(*args)` on one of the pool's threads; waits in line when all are busy."""
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(self._executor, context.run, function, *args)


_pool: HotThreads | None = None


def hot_threads() -> HotThreads:
    """The process's pool, made on first use (in the worker process that serves the route);
    every app in the process shares it."""
    global _pool
    if _pool is None:
        _pool = HotThreads()
    return _pool
