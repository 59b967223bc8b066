"""The API under uvicorn in a background thread, for processes that run other work beside it.

``trustledger api`` hands the main thread to uvicorn; ``trustledger run`` and the demo keep
the main thread for themselves (signals, the demo's steps) and serve the API from here.
"""

from __future__ import annotations

import threading
import time

from backend.core.config import Settings


class ApiServer:
    """The API on `host`:`port`, served by one uvicorn server in a daemon thread (a context manager)."""

    def __init__(self, settings: Settings, host: str, port: int, *, log_level: str = "warning"):
        import uvicorn

        from backend.api.main import create_app

        self.url = f"http://{host}:{port}"
        config = uvicorn.Config(create_app(settings), host=host, port=port, log_level=log_level)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._serve, name="api", daemon=True)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def start(self, timeout: float = 15.0) -> None:
        """Start serving; returns once the socket listens. Raises RuntimeError when it does not
        (uvicorn logs why, e.g. the port is taken, and ends its thread)."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"the API did not start on {self.url}")
            time.sleep(0.05)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop accepting connections, let requests in flight finish, wait up to `timeout` seconds."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _serve(self) -> None:
        try:
            self._server.run()
        except SystemExit:  # uvicorn exits when it cannot start (and logs why); start() reports it
            pass

    def __enter__(self) -> "ApiServer":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


__all__ = ["ApiServer"]
