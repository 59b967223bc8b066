"""Benchmark: what the abuse limiter adds to a request, in process, memory store and Redis store.

1. Builds the app three times on one migrated SQLite database: limits disabled, counted in
   process (memory store), counted in the machine's Redis (a private key prefix, deleted at
   the end). Rates are set so high that nothing is refused: the figure is the check itself.
2. Serves first-scan claim attempts, ``POST /v1/products/{gtin}/{serial}/claim`` with a
   serial that has no claim code (two checks, per IP and per item, then one indexed
   SELECT and a 409: a cheap, steady route, so the difference is not lost in the noise
   of a commit), through httpx's ASGI transport: the requests never leave the process,
   so the process's CPU time is the server's CPU time.
3. Runs rounds of ``REQUESTS`` requests per app, interleaved (the order rotating each
   round), after a warm-up. The overhead of a store is the median over rounds of its CPU
   per request less the disabled app's in the same round, so drift in the machine's load
   cancels. Redis's own CPU is its time in EVALSHA (``INFO commandstats``, per call). The
   Redis is a private ``redis-server`` this script starts on a free port (no persistence)
   and stops: on the machine's shared Redis, commandstats also counted other clients'
   EVALSHA calls, such as the ads frequency script (thousands of keys a call), which
   inflated the per-call figure several times over. Without a ``redis-server`` binary the
   machine's Redis is used, and the figure says so. The limiter's call alone is timed too,
   without the HTTP stack, and inside served requests (its own thread CPU there), with the
   number of Redis calls a request makes: the overhead less that direct part is what the
   round trip costs the rest of the request.

Prints ``name: value unit`` lines; ``limited_overhead_us`` last: the production store's
(Redis) added CPU per request, API process plus Redis. Goal: <= 200 us.
Run: ``.venv/bin/python scripts/bench/rate_limits.py [--requests N --rounds R]``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from redis import Redis

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))

from backend.api.main import create_app  # noqa: E402
from backend.core.config import Settings  # noqa: E402
from backend.db.migrate import upgrade_database  # noqa: E402
from backend.limits.factory import limiter_for  # noqa: E402
from backend.limits.limiter import LimitClass  # noqa: E402

SHARED_REDIS_URL = "redis://127.0.0.1:6379/0"
REDIS_URL = SHARED_REDIS_URL  # the private server's once started (main)
NEVER_REFUSED = "1000000000/second"
MODES = ("disabled", "memory", "redis")
CLAIM = "/v1/products/09506000134352/NO-SUCH-SERIAL/claim"


def evalsha_usec(client: Redis) -> tuple[int, int]:
    """(calls, microseconds) Redis has spent in EVALSHA so far."""
    stats = client.info("commandstats").get("cmdstat_evalsha", {})
    return int(stats.get("calls", 0)), int(stats.get("usec", 0))


def settings_for(mode: str, database_url: str, manifest: Path, prefix: str) -> Settings:
    rates = {c.value: NEVER_REFUSED for c in LimitClass}
    return Settings(
        environment="test",
        database_url=database_url,
        manifest_path=manifest,
        public_base_url="http://testserver",
        provenance_secret="bench-provenance-secret",
        rate_limits_enabled=mode != "disabled",
        rate_limit_backend="redis" if mode == "redis" else "memory",
        redis_url=REDIS_URL if mode == "redis" else None,
        rate_limit_redis_prefix=prefix,
        **rates,
    )


async def run_round(client: httpx.AsyncClient, requests: int) -> float:
    """API CPU seconds for `requests` claim attempts."""
    before = time.process_time()
    for _ in range(requests):
        response = await client.post(CLAIM, json={"code": "ABCD-EFGH-JKLM"})
        if response.status_code != 409:
            raise RuntimeError(f"the claim answered {response.status_code}: {response.text}")
    return time.process_time() - before


async def check_in_requests(app, client: httpx.AsyncClient, requests: int) -> float:
    """Median thread CPU of the limiter's call inside served requests: the direct part of the
    overhead; the rest of the difference to the disabled app is what the round trip costs the
    request around it (the thread sleeps on the socket and resumes with colder caches)."""
    limiter = app.state.limiter
    timings: list[float] = []
    check_all = limiter.check_all

    def timed(checks, *args, **kwargs):
        started = time.thread_time_ns()
        try:
            return check_all(checks, *args, **kwargs)
        finally:
            timings.append((time.thread_time_ns() - started) / 1000)

    limiter.check_all = timed
    try:
        await run_round(client, requests)
    finally:
        del limiter.check_all
    return statistics.median(timings)


def call_cost_us(settings: Settings, calls: int) -> float:
    """CPU of one request's checks (per IP and per item, as the claim route makes them), without HTTP."""
    limiter = limiter_for(settings)
    checks = [(LimitClass.CLAIMS_PER_IP, "198.51.100.1", 1), (LimitClass.CLAIMS_PER_SERIAL, "09506000134352/X", 1)]
    for _ in range(1000):
        limiter.check_all(checks)
    before = time.process_time()
    for _ in range(calls):
        limiter.check_all(checks)
    return (time.process_time() - before) / calls * 1e6


def start_private_redis() -> subprocess.Popen | None:
    """A redis-server of this run's own on a free loopback port, or None if there is no binary."""
    global REDIS_URL
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if Redis.from_url(url, socket_connect_timeout=0.2).ping():
                REDIS_URL = url
                return server
        except Exception:  # noqa: BLE001 - not listening yet
            time.sleep(0.05)
    server.kill()
    raise RuntimeError("the private redis-server did not answer within 10 s")


async def main(requests: int, rounds: int) -> None:
    private = start_private_redis()
    try:
        await measure(requests, rounds, private is not None)
    finally:
        if private is not None:
            private.terminate()
            private.wait(10)


async def measure(requests: int, rounds: int, private: bool) -> None:
    prefix = f"tl:bench:limits:{secrets.token_hex(6)}:"
    redis = Redis.from_url(REDIS_URL)
    with tempfile.TemporaryDirectory() as directory:
        database_url = f"sqlite:///{Path(directory) / 'bench.db'}"
        upgrade_database(database_url)
        manifest = Path(directory) / "deployment.json"  # absent: the claim route needs no chain
        clients, apps = {}, {}
        for mode in MODES:
            app = apps[mode] = create_app(settings_for(mode, database_url, manifest, prefix))
            transport = httpx.ASGITransport(app=app, client=("198.51.100.1", 40000))
            clients[mode] = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        try:
            for client in clients.values():
                await run_round(client, max(100, requests // 5))  # warm-up
            cpu: dict[str, list[float]] = {mode: [] for mode in MODES}
            calls_before, usec_before = evalsha_usec(redis)
            gc.collect()
            for number in range(rounds):
                order = MODES[number % 3 :] + MODES[: number % 3]
                for mode in order:
                    cpu[mode].append(await run_round(clients[mode], requests) / requests * 1e6)
            calls_after, usec_after = evalsha_usec(redis)
            in_request = await check_in_requests(apps["redis"], clients["redis"], requests)
            check_cost = {mode: call_cost_us(settings_for(mode, database_url, manifest, prefix), 20_000) for mode in MODES[1:]}
        finally:
            for client in clients.values():
                await client.aclose()
            keys = list(redis.scan_iter(match=prefix + "*"))
            if keys:
                redis.delete(*keys)
            redis.close()

    redis_per_call = (usec_after - usec_before) / max(1, calls_after - calls_before)
    overhead = {
        mode: statistics.median(c - d for c, d in zip(cpu[mode], cpu["disabled"])) for mode in MODES[1:]
    }
    print(f"requests_per_round: {requests} requests")
    print(f"rounds: {rounds} rounds")
    print("route: POST /v1/products/{gtin}/{serial}/claim (SQLite, in process)")
    print(f"redis: {'a private redis-server' if private else 'the machine shared Redis (no redis-server binary)'}")
    for mode in MODES:
        print(f"{mode}_api_cpu_us_per_request: {statistics.median(cpu[mode]):.1f} us")
    print(f"memory_check_call_us: {check_cost['memory']:.1f} us")
    print(f"redis_check_call_us: {check_cost['redis']:.1f} us")
    print(f"redis_server_evalsha_us: {redis_per_call:.1f} us")
    print(f"redis_calls_per_request: {(calls_after - calls_before) / (rounds * requests):.2f} calls")
    print(f"redis_check_in_request_us: {in_request:.1f} us (median, the check's own thread CPU inside served requests)")
    print(f"memory_overhead_us: {overhead['memory']:.1f} us")
    print(f"redis_overhead_us: {overhead['redis']:.1f} us")
    print(f"limited_overhead_us: {overhead['redis'] + redis_per_call:.1f} us")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per app and round")
    parser.add_argument("--rounds", type=int, default=21)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.requests, arguments.rounds))
