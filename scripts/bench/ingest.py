"""Benchmark: ad events accepted durably into PostgreSQL by one API process.

Set-up, production-like: a fresh PostgreSQL database (created, migrated, dropped at the
end), Redis under a key prefix of this run's own (deleted at the end), the API served by
uvicorn with one worker process and ``TRUSTLEDGER_ENVIRONMENT=production`` (real hash
key, Redis counters and replay cache, durable commits). Publishers with Ed25519 keys
and funded, running campaigns are seeded in the database and the chain mirror.

Load, from a separate process: each publisher's stream of signed batches of 1,000
events (about 90% impressions, 8% clicks naming stored impressions, 2% conversions
naming stored clicks; 5% bot user agents, 2% data-centre IPs; IPs and devices from
pools, so frequency caps count them), every filter on, every signature verified. The
batches are built and signed before the clock starts; ``IN_FLIGHT`` connections
(``TL_BENCH_IN_FLIGHT``, default 8) keep that many requests outstanding, a publisher's
batches one after another.

Then the same kind of batches once more, in this process, through the ingest code
itself with each stage timed, to show where a batch's time goes.

``--profile FILE`` serves under py-spy and writes the API's collapsed stacks to FILE
(summarise with ``_profile_summary.py``); CPU figures then include py-spy's own sampling.

Prints ``name: value unit`` lines, ``ingest_api_cpu_ms_per_batch: N`` (goal <= 25) just
before the last, ``ingest_events_per_s: N``. Needs the
machine's PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379).
"""

from __future__ import annotations

import argparse
import base64
import multiprocessing
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import psycopg
from nacl.signing import SigningKey
from redis import Redis

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))

# Only what the load process needs at the top: it is spawned and re-imports this module, and
# the backend's own imports (web3, SQLAlchemy models, ...) would cost it seconds and memory.
from _api_server import start_api, stop_api  # noqa: E402
from _server_cpu import children, cpu_seconds  # noqa: E402
from backend.ads.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_ed25519  # noqa: E402
from backend.chain.local_node import free_port  # noqa: E402
from backend.db.scratch import scratch_database  # noqa: E402

PUBLISHERS = 8
BATCHES_PER_PUBLISHER = 25  # timed; plus WARM_UP_BATCHES each, untimed
WARM_UP_BATCHES = 1
EVENTS_PER_BATCH = 1_000
IN_FLIGHT = int(os.environ.get("TL_BENCH_IN_FLIGHT", "8"))  # requests outstanding at once
CAMPAIGNS = 3
BREAKDOWN_WARM_UP = 2  # batches ingested before the stage timings start (caches, staging table, history)
BREAKDOWN_BATCHES = 10
REDIS_URL = "redis://127.0.0.1:6379/0"
ESCROW = "0x00000000000000000000000000000000000000E5"
TOKEN = "0x00000000000000000000000000000000000000C1"
CHAIN_ID = 31337
TERMS = b'{"pricing":{"cpa":1000000,"cpc":50000,"cpm":2000000},"version":1}'
HUMAN_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5",
    "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile",
]
BOT_AGENTS = ["Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "python-requests/2.32"]


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- Set-up --------------------------------------------------------------------------


def migrate_database(url: str) -> None:
    from backend.db.migrate import upgrade_database
    from indexer.database import make_engine, migrate

    upgrade_database(url)
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()


def seed(url: str, now: int) -> list[tuple[str, bytes]]:
    """Approved publishers with an Ed25519 key each, an advertiser's running campaigns, the mirror's chain time."""
    import hashlib

    from eth_account import Account
    from sqlmodel import Session

    from backend.ads.models import AdPublisherKey
    from backend.campaigns.models import AnchorStatus, Campaign
    from backend.content import cid_for
    from backend.core.db import engine_for
    from backend.identity.roles import Role, roles_to_mask
    from indexer.models import Campaign as ChainCampaign
    from indexer.models import Checkpoint, IndexedBlock

    kyc = datetime.now(UTC) + timedelta(days=365)
    publishers = []
    with Session(engine_for(url)) as session:
        advertiser = _participant(Account.create().address, roles_to_mask([Role.ADVERTISER]), kyc)
        session.add(advertiser)
        for _ in range(PUBLISHERS):
            seed_bytes = secrets.token_bytes(32)
            participant = _participant(Account.create().address, roles_to_mask([Role.PUBLISHER]), kyc)
            session.add(participant)
            session.flush()
            public = SigningKey(seed_bytes).verify_key.encode()
            session.add(AdPublisherKey(participant_id=participant.id, algorithm="ed25519", public_key=public))
            publishers.append((participant.chain_address, seed_bytes))
        session.flush()
        terms_hash = "0x" + hashlib.sha256(TERMS).hexdigest()
        for campaign_id in range(1, CAMPAIGNS + 1):
            session.add(
                Campaign(
                    name=f"bench {campaign_id}",
                    advertiser_id=advertiser.id,
                    advertiser_address=advertiser.chain_address,
                    chain_id=CHAIN_ID,
                    escrow_address=ESCROW,
                    chain_campaign_id=campaign_id,
                    anchoring=AnchorStatus.ANCHORED,
                    token_symbol="tUSD",
                    token_address=TOKEN,
                    budget=10**15,
                    terms_json=TERMS.decode(),
                    terms_cid=cid_for(TERMS),
                    terms_hash=terms_hash,
                    attesters=[ESCROW],
                    threshold=1,
                    challenge_window=3600,
                    end_time=now + 30 * 86_400,
                )
            )
            session.add(
                ChainCampaign(
                    contract=ESCROW,
                    campaign_id=campaign_id,
                    advertiser=advertiser.chain_address,
                    token=TOKEN,
                    terms_hash=terms_hash,
                    end_time=now + 30 * 86_400,
                    deposited=10**15,
                    updated_block=1,
                )
            )
        block = "0x" + "11" * 32
        session.add(IndexedBlock(chain_id=CHAIN_ID, number=1, hash=block, parent_hash="0x" + "00" * 32, timestamp=now))
        session.add(
            Checkpoint(chain_id=CHAIN_ID, block_number=1, block_hash=block, logs_total=0, updated_at=now, logs_per_second=0.0)
        )
        session.commit()
    return publishers


def _participant(address: str, roles: int, kyc: datetime):
    from backend.identity.models import CustodyMode, Participant, ParticipantStatus

    return Participant(
        display_name="bench",
        roles=roles,
        requested_roles=roles,
        chain_address=address,
        custody_mode=CustodyMode.CUSTODIAL,
        status=ParticipantStatus.APPROVED,
        kyc_expires_at=kyc,
        approved_at=datetime.now(UTC),
    )


def write_manifest(path: Path) -> None:
    from contracts.deployment import DeployedContract, DeploymentManifest

    DeploymentManifest(
        chain_id=CHAIN_ID,
        contracts={"CampaignEscrow": DeployedContract("CampaignEscrow", ESCROW, 1, "0x" + "00" * 32, "")},
    ).save(path)


def start_server(url: str, manifest: Path, prefix: str, port: int, profile: Path | None = None) -> subprocess.Popen:
    environment = {
        "TRUSTLEDGER_ENVIRONMENT": "production",
        "DATABASE_URL": url,
        "TRUSTLEDGER_REDIS_URL": REDIS_URL,
        "TRUSTLEDGER_ADS_REDIS_PREFIX": prefix,
        "TRUSTLEDGER_ADS_HASH_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "TRUSTLEDGER_MANIFEST_PATH": str(manifest),
    }
    return start_api(environment, port, "--workers", "1", profile=profile)


# The API's pooled connections, opened by the warm-up (it runs IN_FLIGHT batches at once).
BACKENDS = "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> %s"


def redis_cpu(client: Redis) -> float:
    info = client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


# --- Load ----------------------------------------------------------------------------


def build_stream(rng: random.Random, publisher: int, batches: int, now: int) -> list[bytes]:
    """One publisher's batch bodies, in time order: clicks name human impressions, and conversions
    clicks, of the batch before (stored by then)."""
    bodies = []
    shown: list[tuple[int, str]] = []
    clicked: list[tuple[int, str]] = []
    for batch in range(batches):
        events, new_shown, new_clicked = [], [], []
        start = now - 3_600 + batch * 60
        for index in range(EVENTS_PER_BATCH):
            event_id = f"p{publisher}-b{batch}-{index}"
            roll = rng.random()
            bot = rng.random() < 0.05
            event = {
                "event_id": event_id,
                "campaign_id": rng.randint(1, CAMPAIGNS),
                "kind": "impression",
                "timestamp": start + rng.randint(0, 59),
                "ip": _ip(rng),
                "device_id": f"dev-{rng.randint(0, 200_000)}",
                "user_agent": rng.choice(BOT_AGENTS) if bot else rng.choice(HUMAN_AGENTS),
            }
            if roll < 0.08 and shown:
                event["campaign_id"], event["impression_id"] = rng.choice(shown)
                event["kind"], event["click_id"] = "click", f"c-{event_id}"
                new_clicked.append((event["campaign_id"], event["click_id"]))
            elif roll < 0.10 and clicked:
                event["campaign_id"], event["click_id"] = rng.choice(clicked)
                event["kind"] = "conversion"
            elif not bot:
                new_shown.append((event["campaign_id"], event_id))
            events.append(event)
        shown, clicked = new_shown, new_clicked or clicked
        bodies.append(orjson.dumps({"events": events}))
    return bodies


def _ip(rng: random.Random) -> str:
    if rng.random() < 0.02:
        return f"52.{rng.randint(0, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"  # AWS: data centre
    return f"81.{rng.randint(0, 3)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def load_process(port: int, publishers: list[tuple[str, bytes]], now: int, ready, start, results) -> None:
    """The separate load process: build and sign every batch, then send them as fast as the API answers."""
    rng = random.Random(7)
    batches = WARM_UP_BATCHES + BATCHES_PER_PUBLISHER
    streams = []
    stamp = str(int(time.time()))
    for number, (address, seed_bytes) in enumerate(publishers):
        signed = [(body, sign_ed25519(seed_bytes, stamp, body)) for body in build_stream(rng, number, batches, now)]
        streams.append((address, stamp, signed))
    url = f"http://127.0.0.1:{port}/v1/events"

    def warm_up(part: list) -> None:
        with httpx.Client(timeout=60) as client:
            for address, stamp, signed in part:
                for body, signature in signed[:WARM_UP_BATCHES]:
                    _check(_send(client, url, address, stamp, body, signature))

    # Untimed, IN_FLIGHT at once: opens the API's pooled connections, fills its caches.
    warmers = [threading.Thread(target=warm_up, args=(streams[slot::IN_FLIGHT],)) for slot in range(IN_FLIGHT)]
    for thread in warmers:
        thread.start()
    for thread in warmers:
        thread.join()
    ready.set()
    start.wait()
    slots: list[list[tuple[str, str, list]]] = [[] for _ in range(IN_FLIGHT)]
    for number, (address, stamp, signed) in enumerate(streams):
        slots[number % IN_FLIGHT].append((address, stamp, signed[WARM_UP_BATCHES:]))
    totals: dict[str, int] = defaultdict(int)
    latencies: list[float] = []
    lock = threading.Lock()

    errors: list[str] = []

    def run(slot: list) -> None:
        with httpx.Client(timeout=60) as client:
            # Round-robin over the slot's publishers, each publisher's batches in order.
            for round_ in range(BATCHES_PER_PUBLISHER):
                for address, stamp, signed in slot:
                    body, signature = signed[round_]
                    sent = time.perf_counter()
                    try:
                        counts = _check(_send(client, url, address, stamp, body, signature))
                    except (RuntimeError, httpx.HTTPError) as exc:
                        errors.append(str(exc))
                        return
                    with lock:
                        latencies.append(time.perf_counter() - sent)
                        for key, value in counts.items():
                            totals[key] += value

    started, cpu_started = time.perf_counter(), time.process_time()
    threads = [threading.Thread(target=run, args=(slot,)) for slot in slots if slot]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(
        {
            "errors": errors,
            "elapsed": time.perf_counter() - started,
            "cpu": time.process_time() - cpu_started,
            "totals": dict(totals),
            "latencies": latencies,
        }
    )


def _send(client: httpx.Client, url: str, address: str, stamp: str, body: bytes, signature: str) -> httpx.Response:
    headers = {
        "Content-Type": "application/json",
        "X-Trustledger-Publisher": address,
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: signature,
    }
    return client.post(url, content=body, headers=headers)


def _check(response: httpx.Response) -> dict[str, int]:
    if response.status_code != 202:
        raise RuntimeError(f"batch refused: {response.status_code} {response.text[:500]}")
    return response.json()["counts"]


# --- Where the time goes -------------------------------------------------------------


def stage_breakdown(url: str, manifest: Path, prefix: str, publisher: tuple[str, bytes], now: int) -> dict[str, tuple[float, float]]:
    """Per 1,000-event batch, each stage's (wall, CPU of this thread) milliseconds, run in this process on
    the same database and Redis. Wall minus CPU is waiting: for PostgreSQL, Redis, or a core."""
    from backend.ads import ingestion
    from backend.ads.campaign_states import CampaignStates
    from backend.ads.events import parse_batch
    from backend.ads.filters.screen import Screener
    from backend.ads.publisher_keys import publisher_standing
    from backend.ads.replay import body_digest
    from backend.ads.settings import ingest_components
    from backend.ads.signatures import verify_batch_signature
    from backend.core.config import Settings
    from backend.core.db import engine_for

    settings = Settings(
        environment="production",
        database_url=url,
        redis_url=REDIS_URL,
        ads_redis_prefix=prefix + "breakdown:",
        ads_hash_key=base64.b64encode(secrets.token_bytes(32)).decode(),
        manifest_path=manifest,
    )
    components = ingest_components(settings)
    campaigns = CampaignStates(manifest, 0)
    engine = engine_for(url)
    wall: dict[str, float] = defaultdict(float)
    cpu: dict[str, float] = defaultdict(float)

    class Stage:
        def __init__(self, name: str):
            self.name = name

        def __enter__(self):
            self.wall, self.cpu = time.perf_counter(), time.thread_time()

        def __exit__(self, *_):
            wall[self.name] += time.perf_counter() - self.wall
            cpu[self.name] += time.thread_time() - self.cpu

    def timed(name, function):
        def wrapper(*args, **kwargs):
            with Stage(name):
                return function(*args, **kwargs)

        return wrapper

    originals = (ingestion.load_history, ingestion.store_batch, Screener.screen)
    ingestion.load_history = timed("history query", ingestion.load_history)
    ingestion.store_batch = timed("insert", ingestion.store_batch)
    Screener.screen = timed("screen (filters, one Redis call)", Screener.screen)
    address, seed_bytes = publisher
    bodies = build_stream(random.Random(11), 1_000 + PUBLISHERS, BREAKDOWN_WARM_UP + BREAKDOWN_BATCHES, now)
    try:
        for number, body in enumerate(bodies):
            if number == BREAKDOWN_WARM_UP:
                wall.clear()
                cpu.clear()
            stamp = str(int(time.time()))
            signature = sign_ed25519(seed_bytes, stamp, body)
            with Stage("batch total"), engine.connect() as connection:
                transaction = connection.begin()
                with Stage("publisher and keys query"):
                    standing = publisher_standing(connection, address, datetime.now(UTC))
                with Stage("signature (Ed25519)"):
                    verify_batch_signature(body, stamp, signature, standing.keys, int(time.time()))
                with Stage("replay claim (Redis)"):
                    components.replay_cache.claim(f"breakdown:{body_digest(body).hex()}")
                with Stage("parse (orjson, pydantic)"):
                    batch = parse_batch(body)
                with Stage("campaign states"):
                    states = campaigns.load(connection, {event.campaign_id for event in batch.events})
                with Stage("ingest"):
                    components.ingestor.ingest(
                        connection,
                        publisher=address,
                        publisher_active=standing.active,
                        body_sha256=body_digest(body),
                        batch=batch,
                        campaigns=states,
                        received_at=int(time.time()),
                    )
                with Stage("commit"):
                    transaction.commit()
    finally:
        ingestion.load_history, ingestion.store_batch, Screener.screen = originals
    for table in (wall, cpu):
        table["hashing, event hashes, rows"] = table.pop("ingest") - sum(
            table[name] for name in ("history query", "insert", "screen (filters, one Redis call)")
        )
    return {name: (wall[name] * 1000 / BREAKDOWN_BATCHES, cpu[name] * 1000 / BREAKDOWN_BATCHES) for name in wall}


# --- Main ----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", type=Path, help="serve under py-spy; write the API's collapsed stacks here")
    args = parser.parse_args()
    prefix = f"tl:bench:ingest:{os.getpid()}:{secrets.token_hex(4)}:"
    now = int(time.time())
    server = None
    with tempfile.TemporaryDirectory() as scratch, scratch_database("bench_ingest") as database:
        manifest = Path(scratch) / "deployment.json"
        url, name = database.url, database.name
        try:
            migrate_database(url)
            publishers = seed(url, now)
            write_manifest(manifest)
            port = free_port()
            server = start_server(url, manifest, prefix, port, args.profile)
            progress(f"API on port {port}; building and signing {PUBLISHERS * (BATCHES_PER_PUBLISHER + WARM_UP_BATCHES)} batches")
            context = multiprocessing.get_context("spawn")
            ready, start, results = context.Event(), context.Event(), context.Queue()
            loader = context.Process(target=load_process, args=(port, publishers, now, ready, start, results), daemon=True)
            loader.start()
            if not ready.wait(timeout=600):
                raise RuntimeError("the load process did not get ready")
            with psycopg.connect(database.dsn) as db:
                stored_before = db.execute("SELECT COUNT(*) FROM ad_events").fetchone()[0]
                backends = [pid for (pid,) in db.execute(BACKENDS, (name, db.info.backend_pid)).fetchall()]
            redis = Redis.from_url(REDIS_URL)
            api_processes = children(server.pid)  # uvicorn's (and py-spy's, when profiling)
            before = (cpu_seconds(api_processes), cpu_seconds(backends), redis_cpu(redis))
            start.set()
            outcome = results.get(timeout=900)
            if outcome["errors"]:
                raise RuntimeError(f"{len(outcome['errors'])} batches failed, first: {outcome['errors'][0]}")
            after = (cpu_seconds(api_processes), cpu_seconds(backends), redis_cpu(redis))
            redis.close()
            api_cpu, postgres_cpu, redis_used = (b - a for a, b in zip(before, after))
            loader.join()
            with psycopg.connect(database.dsn) as db:
                stored = db.execute("SELECT COUNT(*) FROM ad_events").fetchone()[0] - stored_before
                filtered = dict(
                    db.execute("SELECT reason, COUNT(*) FROM ad_events WHERE status = 'filtered' GROUP BY reason").fetchall()
                )
            stop_api(server)
            server = None
            progress("timing each stage in-process")
            stages = stage_breakdown(url, manifest, prefix, publishers[0], now)
        finally:
            if server is not None:
                stop_api(server)
            client = Redis.from_url(REDIS_URL)
            keys = list(client.scan_iter(match=prefix + "*", count=10_000))
            for offset in range(0, len(keys), 10_000):
                client.delete(*keys[offset : offset + 10_000])
            client.close()

    totals, elapsed, latencies = outcome["totals"], outcome["elapsed"], sorted(outcome["latencies"])
    acknowledged = totals["accepted"] + totals["filtered"]
    if stored != acknowledged:
        raise RuntimeError(f"{acknowledged} events acknowledged but {stored} stored")
    print(f"batches: {len(latencies)}")
    print(f"events_per_batch: {EVENTS_PER_BATCH}")
    print(f"requests_in_flight: {IN_FLIGHT}")
    print(f"events_stored: {stored}")
    print(f"events_filtered: {totals['filtered']} ({', '.join(f'{k} {v}' for k, v in sorted(filtered.items()))})")
    print(f"batch_latency_p50: {statistics.median(latencies) * 1000:.1f} ms")
    print(f"batch_latency_p95: {latencies[int(len(latencies) * 0.95)] * 1000:.1f} ms")
    print(f"api_process_cpu: {api_cpu * 1000 / len(latencies):.1f} ms per batch ({api_cpu / elapsed:.0%} of one core)")
    print(f"postgres_backends_cpu: {postgres_cpu * 1000 / len(latencies):.1f} ms per batch ({len(backends)} connections)")
    print(f"redis_cpu: {redis_used * 1000 / len(latencies):.1f} ms per batch")
    print(f"load_process_cpu: {outcome['cpu'] * 1000 / len(latencies):.1f} ms per batch")
    print(f"machine_load_average: {os.getloadavg()[0]:.1f} (2 cores here; other work shares them)")
    for stage, (wall_ms, cpu_ms) in stages.items():
        label = stage.split(" (")[0].replace(",", "").replace(" ", "_")
        print(f"stage_{label}: {wall_ms:.1f} ms wall, {cpu_ms:.1f} ms CPU per batch")
    print(f"ingest_api_cpu_ms_per_batch: {api_cpu * 1000 / len(latencies):.1f}")
    print(f"ingest_events_per_s: {stored / elapsed:.0f}")


if __name__ == "__main__":
    main()
