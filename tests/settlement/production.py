"""The production path's worker: `trustledger worker` in its own process on a Redis broker, sent
tasks by name as beat would send them, working on the test's PostgreSQL database."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from backend.chain.local_node import PROJECT_ROOT
from backend.core.config import Settings
from backend.worker.celery_app import make_celery

REDIS = "redis://127.0.0.1:6379"


def worker_env(settings: Settings, broker_url: str | None = None) -> dict[str, str]:
    """The TRUSTLEDGER_* environment of `settings`; with `broker_url`, the production path's broker and Redis."""
    secret = lambda value: value.get_secret_value()  # noqa: E731
    env = {
        **os.environ,
        "TRUSTLEDGER_ENVIRONMENT": "test",
        "TRUSTLEDGER_DATABASE_URL": settings.database_url,
        "TRUSTLEDGER_RPC_URL": settings.rpc_url,
        "TRUSTLEDGER_MANIFEST_PATH": str(settings.manifest_path),
        "TRUSTLEDGER_DEPLOYER_PRIVATE_KEY": secret(settings.deployer_private_key),
        "TRUSTLEDGER_RELAYER_PRIVATE_KEY": secret(settings.relayer_private_key),
        "TRUSTLEDGER_ATTESTER_PRIVATE_KEY": secret(settings.attester_private_key),
        "TRUSTLEDGER_MASTER_KEY": secret(settings.master_key),
        "TRUSTLEDGER_CONTENT_STORE_URL": settings.content_store_url,
        "TRUSTLEDGER_EPOCH_SECONDS": str(settings.epoch_seconds),
    }
    if broker_url is not None:
        env.update(TRUSTLEDGER_BROKER_URL=broker_url, TRUSTLEDGER_REDIS_URL=broker_url)
    return env


class Worker:
    """One worker process; a Redis database of its own (picked at random among the high ones) so no
    other test's tasks reach it."""

    def __init__(self, settings: Settings):
        self.broker_url = f"{REDIS}/{9 + secrets.randbelow(7)}"
        self.client = make_celery(settings.model_copy(update={"broker_url": self.broker_url}))
        command = [str(Path(sys.executable).parent / "trustledger"), "worker", "--concurrency", "1"]
        self.process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=worker_env(settings, self.broker_url),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )

    def send(self, task: str, *args) -> None:
        self.client.send_task(task, args=list(args))

    def run_until(self, task: str, done: Callable[[], bool], timeout: float = 60.0) -> None:
        """Send `task`, then wait until `done()` (the worker ran it; results are not kept)."""
        self.send(task)
        deadline = time.monotonic() + timeout
        while not done():
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker exited: {self.process.stderr.read().decode()[-2000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{task} had no effect within {timeout}s")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.process.stderr.close()
        self.client.close()
