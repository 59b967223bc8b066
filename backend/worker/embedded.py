"""Everything the embedded mode runs, in one process (``trustledger run``).

With a broker, production splits the work over ``api``, ``worker``, ``beat`` and
``index run`` processes. Without one, this runs the same work in threads of one process:

    EmbeddedServices
    ├── ApiServer          the HTTP API under uvicorn
    ├── SenderThread       outbox passes back to back while there is work, every interval when idle
    ├── IndexerThread      the chain -> SQL mirror following the head
    └── EmbeddedScheduler  beat's schedule (settlement, keeper, anchoring, purge)

The sender has its own loop rather than beat's one-second send-outbox pass: it starts
the next pass at once while transactions are in flight. Passes share a lock per
database, which also keeps SQLite to one writing sender.
"""

from __future__ import annotations

import logging
import threading
import time

from backend.api.server import ApiServer
from backend.chain.sender import Sender, SenderThread
from backend.core.config import Settings
from backend.worker.embedded_scheduler import EmbeddedScheduler, beat_jobs
from indexer import Indexer, IndexerSettings

log = logging.getLogger(__name__)

# Beat entries replaced by a dedicated loop here.
REPLACED_BY_LOOPS = {"send-outbox"}


class IndexerThread(threading.Thread):
    """The indexer following the head, started again after an error.

    ``Indexer.run`` waits out node outages and reorgs itself; what ends it (no manifest
    yet because ``deploy`` runs after this started, a chain mismatch) is logged and
    retried with a growing delay, so the API keeps serving meanwhile.
    """

    def __init__(self, settings: IndexerSettings, *, retry_seconds: float = 2.0, max_retry_seconds: float = 60.0):
        super().__init__(name="indexer", daemon=True)
        self.settings = settings
        self.retry_seconds = retry_seconds
        self.max_retry_seconds = max_retry_seconds
        self._stop_event = threading.Event()

    def run(self) -> None:
        delay = self.retry_seconds
        while not self._stop_event.is_set():
            try:
                indexer = Indexer(self.settings)
            except Exception as error:  # noqa: BLE001 -- manifest or artifacts missing: try again later
                log.warning("indexer not started (%s); retrying in %.0fs", error, delay)
            else:
                try:
                    indexer.run(self._stop_event)
                    return
                except Exception:  # noqa: BLE001 -- the API and the other loops keep running
                    log.exception("indexer stopped; restarting in %.0fs", delay)
                finally:
                    indexer.close()
            self._stop_event.wait(delay)
            delay = min(delay * 2, self.max_retry_seconds)

    def stop(self) -> None:
        self._stop_event.set()


class EmbeddedServices:
    def __init__(
        self,
        settings: Settings,
        *,
        host: str,
        port: int,
        sender_interval: float = 0.5,
        log_level: str = "info",
    ):
        if settings.broker_url is not None:
            raise ValueError("a broker is configured: run `trustledger worker` and `trustledger beat` instead")
        self.api = ApiServer(settings, host, port, log_level=log_level)
        self.sender = SenderThread(Sender(settings), interval=sender_interval)
        self.indexer = IndexerThread(
            IndexerSettings(
                database_url=settings.database_url, rpc_url=settings.rpc_url, manifest_path=settings.manifest_path
            )
        )
        from backend.worker.celery_app import BEAT_SCHEDULE

        self.scheduler = EmbeddedScheduler(beat_jobs(BEAT_SCHEDULE, skip=REPLACED_BY_LOOPS))
        self._scheduler_stop = threading.Event()
        self._scheduler_thread = threading.Thread(
            target=self.scheduler.run, args=(self._scheduler_stop,), name="scheduler", daemon=True
        )

    def start(self) -> None:
        """Serve the API first (a taken port fails here, before any loop started), then the loops."""
        self.api.start()
        self.sender.start()
        self.indexer.start()
        self._scheduler_thread.start()
        log.info(
            "embedded mode: API at %s, sender, indexer and scheduled jobs %s running",
            self.api.url,
            ", ".join(f"{job.name} every {job.interval:g}s" for job in self.scheduler.jobs.values()),
        )

    @property
    def healthy(self) -> bool:
        """Whether the API and every loop are still up (each loop survives its own errors)."""
        threads = (self.sender, self.indexer, self._scheduler_thread)
        return self.api.alive and all(thread.is_alive() for thread in threads)

    def stop(self, timeout: float = 5.0) -> list[str]:
        """Stop everything within about `timeout` seconds; returns what was still running then.

        The API stops first so no new work arrives. Whatever is cut short (a scheduled
        pass, a sender pass) was written to be run again, and every thread is a daemon,
        so the process may exit anyway.
        """
        deadline = time.monotonic() + timeout
        self.api.stop(timeout / 2)
        self._scheduler_stop.set()
        self.indexer.stop()
        loops = (self.sender, self.indexer, self._scheduler_thread)
        if self.sender.ident is not None:  # started (a failed start stops before the loops)
            self.sender.stop(timeout=0)
        for thread in loops:
            if thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()))
        left = self.scheduler.join(max(0.0, deadline - time.monotonic()))
        left += [thread.name for thread in loops if thread.is_alive()]
        if self.api.alive:
            left.append("api")
        if not self.sender.is_alive():
            self.sender.sender.close()
        return left


__all__ = ["EmbeddedServices", "IndexerThread", "REPLACED_BY_LOOPS"]
