"""Benchmark: what the abuse limiter adds to a request, in process, memory store and Redis store.

1. Builds the app three times on one migrated SQLite database: limits disabled, counted in
   process (memory store), counted in the machine's Redis (a private key prefix, deleted at
   the end). Rates are set so high that nothing is refused: the figure is the check itself.
2. Serves first-scan claim attempts, ``POST /v1/products/{gtin}/{serial}/claim`` with a
   serial that has no claim code (two checks, per IP and per item, then one indexed
   SELECT and a 409: a cheap, steady route, so the difference is not lost in the noise
   of a commit), through httpx's ASGI transport: the requests never leave the process,
   so the process's CPU time is the server's CPU time.
3. Runs rounds of ``REQUESTS`` requests per app, interleaved (disabled, memory, Redis, ...),
   after a warm-up, and takes the median over rounds of CPU per request; the overhead is
   the difference to the disabled app. Redis's own CPU (its process, read from /proc) is
   counted beside it. The limiter's call alone is timed too, without the HTTP stack.

Prints ``name: value unit`` lines; ``limited_overhead_us`` last: the production store's
(Redis) added CPU per request, API process plus Redis. Goal: <= 200 us.
Run: ``.venv/bin/python scripts/bench/rate_limits.py [--requests N --rounds R]``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from redis import Redis

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))

from _server_cpu import cpu_seconds  # noqa: E402
from backend.api.main import create_app  # noqa: E402
from backend.core.config import Settings  # noqa: E402
from backend.db.migrate import upgrade_database  # noqa: E402
from backend.limits.factory import limiter_for  # noqa: E402
from backend.limits.limiter import LimitClass  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/0"
NEVER_REFUSED = "1000000000/second"
MODES = ("disabled", "memory", "redis")
CLAIM = "/v1/products/09506000134352/NO-SUCH-SERIAL/claim"


def redis_pid() -> int | None:
    """The local redis-server's pid, to count its CPU (None if it runs elsewhere or is not visible)."""
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if (proc / "comm").read_text().strip() == "redis-server":
                    return int(proc.name)
            except OSError:
                continue
    return None


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


async def run_round(client: httpx.AsyncClient, requests: int, redis: int | None) -> tuple[float, float]:
    """(API CPU seconds, Redis CPU seconds) for `requests` claim attempts."""
    redis_before = cpu_seconds([redis]) if redis else 0.0
    before = time.process_time()
    for _ in range(requests):
        response = await client.post(CLAIM, json={"code": "ABCD-EFGH-JKLM"})
        if response.status_code != 409:
            raise RuntimeError(f"the claim answered {response.status_code}: {response.text}")
    api = time.process_time() - before
    return api, (cpu_seconds([redis]) - redis_before) if redis else 0.0


def call_cost_us(mode: str, settings: Settings, calls: int) -> float:
    limiter = limiter_for(settings)
    for _ in range(1000):
        limiter.check(LimitClass.SIGNIN_PER_IP, "198.51.100.1")
    before = time.process_time()
    for _ in range(calls):
        limiter.check(LimitClass.SIGNIN_PER_IP, "198.51.100.1")
    return (time.process_time() - before) / calls * 1e6


async def main(requests: int, rounds: int) -> None:
    prefix = f"tl:bench:limits:{secrets.token_hex(6)}:"
    redis = redis_pid()
    with tempfile.TemporaryDirectory() as directory:
        database_url = f"sqlite:///{Path(directory) / 'bench.db'}"
        upgrade_database(database_url)
        manifest = Path(directory) / "deployment.json"  # absent: the claim route needs no chain
        clients = {}
        for mode in MODES:
            app = create_app(settings_for(mode, database_url, manifest, prefix))
            transport = httpx.ASGITransport(app=app, client=("198.51.100.1", 40000))
            clients[mode] = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        try:
            for client in clients.values():
                await run_round(client, max(100, requests // 5), None)  # warm-up
            samples: dict[str, list[tuple[float, float]]] = {mode: [] for mode in MODES}
            gc.collect()
            for _ in range(rounds):
                for mode in MODES:
                    api, server = await run_round(clients[mode], requests, redis if mode == "redis" else None)
                    samples[mode].append((api / requests * 1e6, server / requests * 1e6))
            calls = {mode: call_cost_us(mode, settings_for(mode, database_url, manifest, prefix), 20_000) for mode in MODES[1:]}
        finally:
            for client in clients.values():
                await client.aclose()
            client = Redis.from_url(REDIS_URL)
            keys = list(client.scan_iter(match=prefix + "*"))
            if keys:
                client.delete(*keys)
            client.close()

    cpu = {mode: statistics.median(api for api, _ in samples[mode]) for mode in MODES}
    redis_cpu = statistics.median(server for _, server in samples["redis"])
    print(f"requests_per_round: {requests} requests")
    print(f"rounds: {rounds} rounds")
    print("route: POST /v1/products/{gtin}/{serial}/claim (SQLite, in process)")
    for mode in MODES:
        print(f"{mode}_api_cpu_us_per_request: {cpu[mode]:.1f} us")
    print(f"redis_server_cpu_us_per_request: {redis_cpu:.1f} us" if redis else "redis_server_cpu_us_per_request: n/a")
    print(f"memory_check_call_us: {calls['memory']:.1f} us")
    print(f"redis_check_call_us: {calls['redis']:.1f} us")
    print(f"memory_overhead_us: {cpu['memory'] - cpu['disabled']:.1f} us")
    print(f"redis_overhead_us: {cpu['redis'] - cpu['disabled']:.1f} us")
    print(f"limited_overhead_us: {cpu['redis'] - cpu['disabled'] + redis_cpu:.1f} us")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per app and round")
    parser.add_argument("--rounds", type=int, default=7)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.requests, arguments.rounds))
