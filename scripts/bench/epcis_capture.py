"""Benchmark: the EPCIS 2.0 REST binding on PostgreSQL — capture throughput, then MATCH_anyEPC latency.

1. Creates a fresh PostgreSQL database (dropped at the end), migrates it and bulk-loads
   with COPY the verification benchmark's data set (``verify_page.load``: 1,000,000 items,
   5,000,000 EPCIS events with their item links and anchors), plus the identifier index
   the query interface reads (``epcis_event_epc``: every event's item as its canonical
   GS1 Digital Link, role ``epc``). The loaded events' stored documents are minimal, so a
   query answering them serialises less than it would for real events; the captured ones
   are real.
2. Serves the app with uvicorn in one process (production settings: Redis limits, durable
   commits) and adds a supply-chain actor authorised by the first brand, with an API key.
3. Capture: ``--documents`` EPCISDocuments (default 200) of 1,000 ObjectEvents each (items
   of that brand, distinct event times so every event is new), built before the clock
   starts, sent by ``--in-flight`` concurrent clients to ``POST /epcis/capture``; each 202's
   capture job is read back and must say success with 1,000 events recorded. The store then
   holds 5.2M events.
4. Query: ``GET /epcis/events?MATCH_anyEPC=<item>`` for random items, one client, closed loop.

Prints ``name: value unit`` lines: ``capture_events_per_s`` (validated, hashed, stored; goal
>= 5,000 in one API process) with the server CPU per document beside it, and last
``epc_query_p99_ms`` (goal <= 10) with the server CPU per query. Needs the machine's
PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379).

Quick runs: ``--events N`` stores about N events instead of 5M (e.g. ``--events 50000``: a few
seconds to load; the query figure then says little about 5M rows), ``--documents`` captures
fewer documents, ``--queries 0`` skips the query part. ``--profile FILE`` serves under py-spy
and writes the server's collapsed stacks to FILE (summarise with ``_profile_summary.py``);
CPU figures then include py-spy's own sampling.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import secrets
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import psycopg

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import verify_page  # noqa: E402  (the stored data set and the server's settings)
import _bench_database as bench_database  # noqa: E402
from _bench_database import ADMIN_URL  # noqa: E402
from _server_cpu import children, cpu_seconds, database_backends  # noqa: E402
from backend.chain.local_node import free_port  # noqa: E402
from backend.core.db import engine_for  # noqa: E402
from backend.identity.api_keys import issue_key  # noqa: E402
from backend.identity.models import CustodyMode, Participant, ParticipantStatus, utcnow  # noqa: E402
from backend.identity.roles import Role, roles_to_mask  # noqa: E402
from backend.provenance.models import BrandActor  # noqa: E402
from contracts.deployment import DeployedContract, DeploymentManifest  # noqa: E402

EVENTS_PER_DOCUMENT = 1000
CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
GOAL_CAPTURE = 5000
GOAL_QUERY_P99_MS = 10


def item_uri(gtin_index: int, serial: int) -> str:
    return f"https://id.gs1.org/01/{verify_page.gtin_of(gtin_index)}/21/{verify_page.serial_of(serial)}"


# -- the identifier index of the stored events --------------------------------------------------


def _epc_lines(layout: verify_page.Layout, gtin_indexes: range):
    """Every stored event's item, in primary-key order (identifier, role, event id): B-tree appends."""
    steps = len(verify_page.STEPS)
    for gtin_index in gtin_indexes:
        for serial in range(layout.serials):
            item = gtin_index * layout.serials + serial
            uri = item_uri(gtin_index, serial)
            for step in range(steps):
                yield f"{uri}\tepc\t{step * layout.items + item + 1}\n"


def _copy_epcs(url: str, layout: verify_page.Layout, gtin_indexes: range) -> None:
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as connection:
        verify_page._copy(connection.cursor(), "COPY epcis_event_epc (epc, role, event_id) FROM STDIN",
                          _epc_lines(layout, gtin_indexes))


def load_epc_index(url: str, layout: verify_page.Layout) -> None:
    half = layout.gtins // 2
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_copy_epcs, args=(url, layout, part)) for part in (range(half), range(half, layout.gtins))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
        if worker.exitcode != 0:
            raise RuntimeError(f"a COPY process failed (exit {worker.exitcode})")
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE) epcis_event_epc")
        connection.execute("CHECKPOINT")


def add_actor(url: str, brand_id: uuid.UUID) -> str:
    """A supply-chain actor authorised by `brand_id`; returns its API key."""
    from sqlmodel import Session, select

    with Session(engine_for(url)) as session:
        existing = session.exec(select(Participant).where(Participant.display_name == "Bench Logistics")
                                .order_by(Participant.created_at)).first()
        if existing is not None:  # a reused database: the same actor, so its earlier captures are in scope
            secret = issue_key(session, existing, Role.SUPPLY_CHAIN_ACTOR).secret
            session.commit()
            return secret
        actor = Participant(
            display_name="Bench Logistics", roles=roles_to_mask([Role.SUPPLY_CHAIN_ACTOR]),
            requested_roles=roles_to_mask([Role.SUPPLY_CHAIN_ACTOR]), chain_address="0x" + secrets.token_hex(20),
            custody_mode=CustodyMode.CUSTODIAL, status=ParticipantStatus.APPROVED,
            kyc_expires_at=utcnow() + timedelta(days=365), approved_at=utcnow(),
        )
        session.add(actor)
        session.flush()
        session.add(BrandActor(brand_id=brand_id, actor_id=actor.id))
        secret = issue_key(session, actor, Role.SUPPLY_CHAIN_ACTOR).secret
        session.commit()
    return secret


# -- load ----------------------------------------------------------------------------------------


def documents(layout: verify_page.Layout, count: int, seed: int, start: datetime = datetime(2026, 6, 1, tzinfo=UTC)) -> list[bytes]:
    """`count` EPCISDocuments of observations of the first brand's items, each event at its own second
    from `start`."""
    rng = random.Random(seed)
    brand_gtins = [g for g in range(layout.gtins) if layout.brand_of_gtin(g) == 0]
    bodies = []
    for number in range(count):
        events = []
        for index in range(EVENTS_PER_DOCUMENT):
            moment = start + timedelta(seconds=number * EVENTS_PER_DOCUMENT + index)
            events.append({
                "type": "ObjectEvent", "action": "OBSERVE", "bizStep": "departing", "disposition": "in_transit",
                "epcList": [item_uri(rng.choice(brand_gtins), rng.randrange(layout.serials))],
                "eventTime": moment.isoformat().replace("+00:00", "Z"), "eventTimeZoneOffset": "+00:00",
                "readPoint": {"id": verify_page.SITES[3] + "/254/1"},
                "bizLocation": {"id": verify_page.SITES[3]},
            })
        bodies.append(orjson.dumps({
            "@context": [CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": start.isoformat().replace("+00:00", "Z"), "epcisBody": {"eventList": events},
        }))
    return bodies


def capture_all(port: int, key: str, bodies: list[bytes], in_flight: int) -> tuple[float, list[str]]:
    """POST every document, read each capture job; returns (seconds, problems)."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json",
               "GS1-Capture-Error-Behaviour": "rollback"}
    problems: list[str] = []

    def send(client: httpx.Client, body: bytes) -> None:
        response = client.post("/epcis/capture", content=body, headers=headers)
        if response.status_code != 202:
            problems.append(f"{response.status_code}: {response.text[:300]}")
            return
        job = client.get(response.headers["location"], headers=headers).json()
        if not job.get("success") or job.get("recordedCount") != EVENTS_PER_DOCUMENT:
            problems.append(f"job {job.get('captureID')}: {orjson.dumps(job.get('errors'))[:300]!r}")

    clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) for _ in range(in_flight)]
    started = time.monotonic()
    with ThreadPoolExecutor(in_flight) as pool:
        for future in [pool.submit(send, clients[n % in_flight], body) for n, body in enumerate(bodies)]:
            future.result()
    elapsed = time.monotonic() - started
    for client in clients:
        client.close()
    return elapsed, problems


def query_latencies(port: int, key: str, layout: verify_page.Layout, count: int, seed: int) -> tuple[list[float], int]:
    """`count` MATCH_anyEPC queries for random items; returns (milliseconds each, events returned)."""
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
    latencies, returned = [], 0
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        for number in range(count + 50):
            params = {"MATCH_anyEPC": item_uri(rng.randrange(layout.gtins), rng.randrange(layout.serials))}
            started = time.perf_counter()
            response = client.get("/epcis/events", params=params, headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"query answered {response.status_code}: {response.text[:300]}")
            if number >= 50:  # the first 50 warm the connection pool and the caches
                latencies.append(elapsed)
                returned += len(response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"])
    return latencies, returned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gtins", type=int, default=1000)
    parser.add_argument("--serials", type=int, default=1000, help="serials per GTIN")
    parser.add_argument("--brands", type=int, default=10)
    parser.add_argument("--documents", type=int, default=200, help="EPCISDocuments of 1,000 events to capture")
    parser.add_argument("--in-flight", type=int, default=2, help="concurrent capture clients")
    parser.add_argument("--queries", type=int, default=2000, help="MATCH_anyEPC queries (0: none)")
    parser.add_argument("--events", type=int, help="stored events (about; sets --gtins and --serials)")
    parser.add_argument("--profile", type=Path, help="serve under py-spy; write the server's collapsed stacks here")
    parser.add_argument("--keep-database", action="store_true", help="do not drop the database at the end (prints its name)")
    parser.add_argument("--database", help="reuse this database a run with --keep-database left (same --events / "
                        "--gtins / --serials / --brands): no load, kept at the end; captures after its latest event")
    args = parser.parse_args()
    if args.events is not None:
        per_step = max(args.events // len(verify_page.STEPS), args.brands)
        args.serials = min(args.serials, max(1, per_step // args.brands))
        args.gtins = max(args.brands, per_step // args.serials)

    name = args.database or bench_database.new_name("epcis")
    url = bench_database.url_of(name)
    layout = verify_page.Layout(args.gtins, args.serials, args.brands)
    capture_start = datetime(2026, 6, 1, tzinfo=UTC)
    if args.database:
        args.keep_database = True
        with psycopg.connect(url.replace("+psycopg", "")) as connection:
            brand, latest = connection.execute(
                "SELECT (SELECT id FROM participant WHERE display_name = 'Brand 0'), (SELECT max(event_time) FROM epcis_event)"
            ).fetchone()
        layout.brand_ids[0] = brand
        capture_start = latest.replace(tzinfo=UTC) + timedelta(hours=1)
    workdir = Path(os.environ.get("TMPDIR", "/tmp")) / name
    workdir.mkdir(parents=True)
    manifest = workdir / "deployment.json"
    DeploymentManifest(chain_id=31337, contracts={
        "ProvenanceRegistry": DeployedContract("ProvenanceRegistry", verify_page.REGISTRY, 1, "0x" + "00" * 32, ""),
    }).save(manifest)
    if not args.database:
        bench_database.create(name)
    server = None
    try:
        started = time.monotonic()
        bench_database.migrate(url)
        if not args.database:
            for phase, seconds in verify_page.load(url, layout).items():
                print(f"load_{phase}_s: {seconds:.1f} s", flush=True)
            phase_started = time.monotonic()
            load_epc_index(url, layout)
            print(f"load_epc_index_s: {time.monotonic() - phase_started:.1f} s", flush=True)
            print(f"load_total_s: {time.monotonic() - started:.1f} s", flush=True)
        with psycopg.connect(url.replace("+psycopg", "")) as connection:
            stored = connection.execute("SELECT count(*) FROM epcis_event").fetchone()[0]
        print(f"stored_events: {stored} events ({layout.items} items)", flush=True)
        key = add_actor(url, layout.brand_ids[0])
        engine_for(url).dispose()
        bodies = documents(layout, args.documents, seed=11, start=capture_start)
        print(f"capture_document_kb: {sum(map(len, bodies)) / len(bodies) / 1024:.0f} kB", flush=True)

        port = free_port()
        server = verify_page.start_server(url, manifest, port, workers=1, profile=args.profile)
        processes = children(server.pid)
        print(f"load_average_before: {os.getloadavg()[0]:.2f} runnable (2 cores; other work on the machine)", flush=True)
        backends = database_backends(ADMIN_URL, name)
        api_before, database_before = cpu_seconds(processes), cpu_seconds(backends)
        elapsed, problems = capture_all(port, key, bodies, args.in_flight)
        # The pool may have opened connections meanwhile (their CPU before was nil).
        backends_after = sorted(set(backends) | set(database_backends(ADMIN_URL, name)))
        cpu_api = cpu_seconds(processes) - api_before
        cpu_database = cpu_seconds(backends_after) - database_before
        cpu_capture = cpu_api + cpu_database
        if problems:
            raise SystemExit(f"{len(problems)} captures failed; the first: {problems[0]}")
        captured = args.documents * EVENTS_PER_DOCUMENT
        print(f"captured_events: {captured} events in {elapsed:.1f} s", flush=True)
        print(f"capture_cpu_ms_per_document: {cpu_capture * 1000 / args.documents:.1f} ms (uvicorn and its PostgreSQL backends: "
              f"{cpu_api * 1000 / args.documents:.1f} + {cpu_database * 1000 / args.documents:.1f})", flush=True)
        print(f"capture_events_per_s: {captured / elapsed:.0f} events/s (goal >= {GOAL_CAPTURE})", flush=True)

        if args.queries <= 0:
            return
        cpu_before = cpu_seconds(processes + database_backends(ADMIN_URL, name))
        latencies, returned = query_latencies(port, key, layout, args.queries, seed=5)
        cpu_query = cpu_seconds(processes + database_backends(ADMIN_URL, name)) - cpu_before
        latencies.sort()
        print(f"load_average_after: {os.getloadavg()[0]:.2f} runnable", flush=True)
        print(f"query_events_returned: {returned / len(latencies):.2f} events per query", flush=True)
        print(f"epc_query_cpu_ms_per_query: {cpu_query * 1000 / (len(latencies) + 50):.2f} ms", flush=True)
        print(f"epc_query_p50_ms: {verify_page.percentile(latencies, 0.50):.2f} ms", flush=True)
        print(f"epc_query_p99_ms: {verify_page.percentile(latencies, 0.99):.2f}", flush=True)
    finally:
        if server is not None:
            verify_page.stop_api(server)
        engine_for(url).dispose()
        if args.keep_database:
            print(f"kept_database: {name}", flush=True)
        else:
            bench_database.drop(name)
        manifest.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    main()
