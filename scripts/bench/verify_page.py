"""Benchmark: the consumer verification page (GS1 Digital Link) under load on PostgreSQL.

1. Creates a fresh PostgreSQL database (dropped at the end), migrates the backend and the
   indexer's mirror, and bulk-loads with COPY 1,000,000 serialised items (1,000 GTINs x
   1,000 serials) and 5,000,000 EPCIS events (5 per item, in time order: every item's
   commissioning, then every inspection, ... so one item's events lie far apart, as in
   production), their item links, 5,000 anchor batches and their mirrored EventsAnchored
   rows. Hashes are synthetic. Then VACUUM (ANALYZE) and a CHECKPOINT, so the measured run
   meets a settled database rather than the checkpointer writing out the load.
2. Serves the app with uvicorn in a separate process (production settings, 2 workers on
   the 2 cores, no access log) on 127.0.0.1.
3. From another process, applies open-loop load: requests are scheduled at a fixed rate
   (300/s for 20 s) whether or not earlier ones have answered, over random items, as a
   phone would (HTML, mobile user agent); latency counts from the scheduled time, so a
   stall is not hidden by the generator waiting for it. In-flight requests are bounded;
   one over the bound counts as an error. The generator's own pauses would count as the
   server's, so it keeps the warm-up's connections and runs without garbage collection.

``--profile FILE`` serves under py-spy and writes the server's collapsed stacks to FILE
(summarise with ``_profile_summary.py``); CPU figures then include py-spy's own sampling.

Prints ``name: value unit`` lines, ``verify_cpu_ms_per_request: N`` (server CPU: uvicorn's
processes and their PostgreSQL backends) beside the percentiles, ``verify_p99_ms: N`` last.
Goals: p99 <= 25 ms, CPU <= 1.5 ms per request.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import math
import multiprocessing
import os
import random
import secrets
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))

import _bench_database as bench_database  # noqa: E402
from _api_server import start_production_api, stop_api  # noqa: E402
from _bench_database import ADMIN_URL  # noqa: E402
from _server_cpu import children, cpu_seconds, database_backends  # noqa: E402
from backend.chain.local_node import free_port  # noqa: E402
from backend.core.db import engine_for  # noqa: E402
from backend.provenance.gtin import with_check_digit  # noqa: E402
from contracts.deployment import DeployedContract, DeploymentManifest  # noqa: E402

# Checksummed, as the indexer writes contract addresses and the page looks them up: in any other
# spelling the mirror's rows match nothing, and every page would show its events as pending.
REGISTRY = "0x7A1e5d5B3d0A1f7c2c6E1B8A9f0D3e4C5b6A7D8E"
STEPS = (  # (bizStep, disposition, hours after commissioning)
    ("commissioning", None, 0),
    ("inspecting", "conformant", 2),
    ("packing", None, 20),
    ("shipping", "in_transit", 30),
    ("receiving", None, 80),
)
EVENTS_PER_BATCH = 1000
NULL = "\\N"  # COPY text format
SITES = [f"https://id.gs1.org/414/{with_check_digit(f'9506000134{n:02d}')}" for n in range(len(STEPS))]
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
GOAL_P99_MS = 25


def gtin_of(index: int) -> str:
    return with_check_digit(f"0950{index:09d}")


def serial_of(index: int) -> str:
    return f"{index:07d}"


# -- bulk load -----------------------------------------------------------------------------------


class Layout:
    """Ids and shapes of the synthetic data, computed rather than stored."""

    def __init__(self, gtins: int, serials: int, brands: int):
        self.gtins, self.serials, self.brands = gtins, serials, brands
        self.items = gtins * serials
        self.events = self.items * len(STEPS)
        self.brand_ids = [uuid.uuid4() for _ in range(brands)]
        self.actor_ids = [uuid.uuid4() for _ in range(2 * brands)]  # a factory and a carrier per brand
        self.product_ids = [uuid.uuid4() for _ in range(gtins)]
        self.batch_ids = [uuid.uuid4() for _ in range(gtins)]
        self.anchor_ids = [uuid.uuid4() for _ in range(-(-self.events // EVENTS_PER_BATCH))]
        self.start = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)

    def brand_of_gtin(self, gtin_index: int) -> int:
        return gtin_index * self.brands // self.gtins


def _copy(cursor: psycopg.Cursor, statement: str, lines) -> None:
    """COPY text rows, sent in ~4 MiB chunks."""
    buffer = io.StringIO()
    with cursor.copy(statement) as copy:
        for line in lines:
            buffer.write(line)
            if buffer.tell() > 4 << 20:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


def _participants(layout: Layout, now: datetime) -> list[tuple]:
    rows = []
    names = [(f"Brand {n}", brand, 1 << 3) for n, brand in enumerate(layout.brand_ids)]
    names += [(f"Actor {n}", actor, 1 << 4) for n, actor in enumerate(layout.actor_ids)]
    for name, participant_id, roles in names:
        address = "0x" + secrets.token_hex(20)
        rows.append((participant_id, name, roles, roles, address, "custodial", "approved",
                     now + timedelta(days=365), now, now))
    return rows


def _event_lines(layout: Layout, steps: range):
    """Events of `steps` for every item; one event time per 1,000 items (a production run's minute)."""
    brands = [str(brand) for brand in layout.brand_ids]
    actors = [str(actor) for actor in layout.actor_ids]
    anchors = [str(anchor) for anchor in layout.anchor_ids]
    for step_index in steps:
        step, disposition, hours = STEPS[step_index]
        base = layout.start + timedelta(hours=hours)
        fixed = f"\tObjectEvent\t{step}\t{disposition or NULL}\t"
        place = f"\t+01:00\t{SITES[step_index]}/254/1\t{SITES[step_index]}\t{{\"event\":{{}},\"namespaces\":{{}}}}\t"
        first_id = step_index * layout.items + 1
        for run in range(0, layout.items, 1000):
            when = (base + timedelta(minutes=run // 1000)).isoformat()
            brand_index = layout.brand_of_gtin(run // layout.serials)
            actor = actors[2 * brand_index + (1 if step_index >= 3 else 0)]
            head = f"\t{actor}\t{brands[brand_index]}{fixed}{when}{place}{when}\t"
            for event_id in range(first_id + run, first_id + min(run + 1000, layout.items)):
                yield f"{event_id}\tni:///sha-256;{event_id:064x}?ver=CBV2.0{head}{anchors[(event_id - 1) // EVENTS_PER_BATCH]}\n"


def _link_lines(layout: Layout):
    steps = len(STEPS)
    for item in range(layout.items):
        for step_index in range(steps):
            yield f"{item + 1}\t{step_index * layout.items + item + 1}\n"


def _item_lines(layout: Layout):
    for gtin_index in range(layout.gtins):
        gtin, batch = gtin_of(gtin_index), layout.batch_ids[gtin_index]
        first = gtin_index * layout.serials + 1
        for serial in range(layout.serials):
            yield f"{first + serial}\t{batch}\t{gtin}\t{serial_of(serial)}\n"


def _without_secondary_indexes(cursor: psycopg.Cursor, tables: list[str]) -> list[str]:
    """Drop foreign keys, unique constraints and non-primary indexes of `tables`; return the DDL to restore them.

    Building an index once over loaded rows is several times faster than maintaining it row by row.
    """
    restore: list[str] = []
    for table in tables:
        constraints = cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype IN ('f', 'u') ORDER BY contype DESC", (table,)
        ).fetchall()
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        indexes = cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary", (table,)
        ).fetchall()
        for name, definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
            restore.insert(0, definition)
    return restore


def load(url: str, layout: Layout) -> dict[str, float]:
    """COPY the synthetic data; returns seconds per phase."""
    timings: dict[str, float] = {}
    now = datetime.now(UTC)
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as connection:
        cursor = connection.cursor()
        started = time.monotonic()
        restore = _without_secondary_indexes(
            cursor, ["product_item", "epcis_event", "epcis_event_item", "anchor_batch", "serial_batch", "product"]
        )
        cursor.executemany(
            "INSERT INTO participant (id, display_name, roles, requested_roles, chain_address, custody_mode, status, "
            "kyc_expires_at, created_at, approved_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            _participants(layout, now),
        )
        _copy(cursor, "COPY product (id, gtin, brand_id, name, created_at) FROM STDIN", (
            f"{layout.product_ids[g]}\t{gtin_of(g)}\t{layout.brand_ids[layout.brand_of_gtin(g)]}\tWatch model {g}\t{now}\n"
            for g in range(layout.gtins)
        ))
        _copy(cursor, "COPY serial_batch (id, product_id, serials_root, serial_count, created_at) FROM STDIN", (
            f"{layout.batch_ids[g]}\t{layout.product_ids[g]}\t0x{g:064x}\t{layout.serials}\t{now}\n"
            for g in range(layout.gtins)
        ))
        _copy(cursor, "COPY product_item (id, batch_id, gtin, serial) FROM STDIN", _item_lines(layout))
        timings["items"] = time.monotonic() - started

        started = time.monotonic()
        anchored_at = layout.start + timedelta(days=5)
        _copy(cursor, "COPY anchor_batch (id, actor_id, brand_id, events_root, event_count, nonce, chain_batch_id, "
                      "status, anchored_block, created_at, anchored_at) FROM STDIN", (
            f"{anchor}\t{layout.actor_ids[0]}\t{layout.brand_ids[0]}\t0x{n:064x}\t{EVENTS_PER_BATCH}\t{n + 1}\t"
            f"0x{n + 1:064x}\tanchored\t{1000 + n}\t{anchored_at}\t{anchored_at}\n"
            for n, anchor in enumerate(layout.anchor_ids)
        ))
        _copy(cursor, "COPY chain_provenance_anchors (block_number, log_index, contract, tx_hash, block_timestamp, "
                      "batch_id, actor, brand, events_root, event_count, document_cid, nonce) FROM STDIN", (
            f"{1000 + n}\t0\t{REGISTRY}\t0x{n:064x}\t{int(anchored_at.timestamp())}\t0x{n + 1:064x}\t"
            f"{REGISTRY}\t{REGISTRY}\t0x{n:064x}\t{EVENTS_PER_BATCH}\t0x\t{n + 1}\n"
            for n in range(len(layout.anchor_ids))
        ))
        _copy(cursor, "COPY chain_products (contract, gtin, brand, metadata_cid, recalled, registered_block, "
                      "updated_block) FROM STDIN", (
            f"{REGISTRY}\t{int(gtin_of(g))}\t{REGISTRY}\t0x\t{'t' if g % 97 == 0 else 'f'}\t10\t10\n"
            for g in range(layout.gtins)
        ))
        _copy(cursor, "COPY chain_product_batches (contract, serial_batch_id, gtin, brand, serials_root, serial_count, "
                      "metadata_cid, recalled, registered_block, updated_block) FROM STDIN", (
            f"{REGISTRY}\t{g + 1}\t{int(gtin_of(g))}\t{REGISTRY}\t0x{g:064x}\t{layout.serials}\t0x\tf\t11\t11\n"
            for g in range(layout.gtins)
        ))
        # Three streams at once, each generated by its own process: two of events and their item links.
        context = multiprocessing.get_context("spawn")
        streams = [("events", range(0, 3)), ("events", range(3, len(STEPS))), ("links", range(0))]
        children = [context.Process(target=_copy_stream, args=(url, what, layout, steps)) for what, steps in streams]
        for child in children:
            child.start()
        for child in children:
            child.join()
            if child.exitcode != 0:
                raise RuntimeError(f"a COPY process failed (exit {child.exitcode})")
        cursor.execute("SELECT setval(pg_get_serial_sequence('epcis_event', 'id'), %s)", (layout.events,))
        cursor.execute("SELECT setval(pg_get_serial_sequence('product_item', 'id'), %s)", (layout.items,))
        timings["events"] = time.monotonic() - started

        started = time.monotonic()
        for statement in restore:
            cursor.execute(statement)
        cursor.execute("VACUUM (ANALYZE)")
        # Write the loaded pages out now: otherwise the checkpointer spreads gigabytes of writes
        # over the next minutes, into the measured run, which a settled database would not see.
        cursor.execute("CHECKPOINT")
        timings["indexes"] = time.monotonic() - started
        counts = cursor.execute(
            "SELECT (SELECT count(*) FROM product_item), (SELECT count(*) FROM epcis_event), "
            "(SELECT count(*) FROM epcis_event_item)"
        ).fetchone()
        if counts != (layout.items, layout.events, layout.events):
            raise RuntimeError(f"loaded {counts}, expected {(layout.items, layout.events, layout.events)}")
    return timings


def _copy_stream(url: str, what: str, layout: Layout, steps: range) -> None:
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as connection:
        if what == "events":
            _copy(connection.cursor(), "COPY epcis_event (id, event_hash, actor_id, brand_id, event_type, biz_step, "
                  "disposition, event_time, time_zone_offset, read_point, biz_location, document, recorded_at, "
                  "anchor_batch_id) FROM STDIN", _event_lines(layout, steps))
        else:
            _copy(connection.cursor(), "COPY epcis_event_item (item_id, event_id) FROM STDIN", _link_lines(layout))


# -- server --------------------------------------------------------------------------------------


def start_server(url: str, manifest: Path, port: int, workers: int, profile: Path | None = None) -> subprocess.Popen:
    # All the load comes from one address here; in the field it comes from many phones.
    # The per-item limit stays on (the items are random), so its cost is measured.
    return start_production_api(url, manifest, port, workers, {"TRUSTLEDGER_SCANS_PER_IP": "off"}, profile=profile)


# -- load ----------------------------------------------------------------------------------------


class Connections:
    """Keep-alive HTTP/1.1 connections to the server, reused by finished requests."""

    def __init__(self, port: int):
        self.port = port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def new(self):
        return await asyncio.open_connection("127.0.0.1", self.port)

    def put(self, connection) -> None:
        self.idle.append(connection)


async def _exchange(connection, path: str) -> int:
    reader, writer = connection
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: {PHONE}\r\n"
        "Accept: text/html,application/xhtml+xml\r\n\r\n".encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    body = await reader.readexactly(length)
    # Every loaded event is anchored and mirrored: a page must show them so, or it is a wrong answer.
    return 599 if status == 200 and (b"<h1" not in body or b"Anchored in block" not in body) else status


async def _request(connections: Connections, path: str) -> int:
    """One page load; a kept-alive connection the server has closed meanwhile (its idle
    timeout) is replaced once, as a browser would."""
    reused = bool(connections.idle)
    connection = connections.idle.pop() if reused else await connections.new()
    try:
        status = await _exchange(connection, path)
    except (asyncio.IncompleteReadError, ConnectionError):
        connection[1].close()
        if not reused:
            raise
        connection = await connections.new()
        status = await _exchange(connection, path)
    connections.put(connection)
    return status


async def _open_loop(
    connections: Connections, paths: list[str], rate: float, max_in_flight: int, timeout: float
) -> dict:
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    errors = {"status": 0, "timeout": 0, "overload": 0, "connection": 0}
    in_flight = 0
    tasks = []

    async def one(path: str, scheduled: float) -> None:
        nonlocal in_flight
        try:
            status = await asyncio.wait_for(_request(connections, path), timeout)
            if status == 200:
                latencies.append(loop.time() - scheduled)
            else:
                errors["status"] += 1
        except asyncio.TimeoutError:
            errors["timeout"] += 1
        except (OSError, asyncio.IncompleteReadError, ValueError):
            errors["connection"] += 1
        finally:
            in_flight -= 1

    start = loop.time() + 0.05
    for index, path in enumerate(paths):
        scheduled = start + index / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if in_flight >= max_in_flight:
            errors["overload"] += 1
            continue
        in_flight += 1
        tasks.append(asyncio.ensure_future(one(path, scheduled)))
    sent_for = loop.time() - start
    await asyncio.gather(*tasks)
    return {"latencies": latencies, "errors": errors, "sent_for": sent_for, "scheduled": len(paths)}


def run_load(port: int, gtins: int, serials: int, rate: float, seconds: float, seed: int) -> dict:
    """The load process: a warm-up, then the measured open-loop run."""
    import uvloop

    chooser = random.Random(seed)

    def paths(count: int) -> list[str]:
        return [
            f"/01/{gtin_of(chooser.randrange(gtins))}/21/{serial_of(chooser.randrange(serials))}" for _ in range(count)
        ]

    warm_up, measured = paths(int(rate * 3)), paths(int(rate * seconds))

    async def warm_then_measure() -> dict:
        # One event loop for both, so the measured run reuses the warmed keep-alive connections
        # rather than opening a burst of new ones in its first second (measured: 15 requests over
        # 20 ms there, none in a run that reuses them).
        connections = Connections(port)
        await _open_loop(connections, warm_up, rate / 2, 256, 5.0)  # workers, pools, caches
        # The generator's own garbage collection must not stall the requests it times: a full
        # collection over this process's objects took 80-140 ms, about once per run, and every
        # request scheduled meanwhile counted it. The run allocates a bounded amount (one task
        # per request), so collection is off while it lasts.
        gc.collect()
        gc.freeze()
        gc.disable()
        try:
            return await _open_loop(connections, measured, rate, 256, 5.0) | {"warm_up": len(warm_up)}
        finally:
            gc.enable()

    return uvloop.run(warm_then_measure())


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


# -- main ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gtins", type=int, default=1000)
    parser.add_argument("--serials", type=int, default=1000, help="serials per GTIN")
    parser.add_argument("--brands", type=int, default=10)
    parser.add_argument("--rate", type=float, default=300.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--keep", action="store_true", help="keep the database (prints its name)")
    parser.add_argument("--database", help="measure a database kept by an earlier --keep run (not loaded, not dropped)")
    parser.add_argument("--profile", type=Path, help="serve under py-spy; write the server's collapsed stacks here")
    args = parser.parse_args()

    name = args.database or bench_database.new_name("verify")
    url = bench_database.url_of(name)
    layout = Layout(args.gtins, args.serials, args.brands)
    workdir = Path(os.environ.get("TMPDIR", "/tmp")) / name
    workdir.mkdir(parents=True)
    manifest = workdir / "deployment.json"
    DeploymentManifest(
        chain_id=31337,
        contracts={"ProvenanceRegistry": DeployedContract("ProvenanceRegistry", REGISTRY, 1, "0x" + "00" * 32, "")},
    ).save(manifest)
    if not args.database:
        bench_database.create(name)
    server = None
    try:
        if not args.database:
            started = time.monotonic()
            bench_database.migrate(url)
            timings = load(url, layout)
            print(f"load_items_s: {timings['items']:.1f} s", flush=True)
            print(f"load_events_s: {timings['events']:.1f} s", flush=True)
            print(f"load_indexes_s: {timings['indexes']:.1f} s", flush=True)
            print(f"load_total_s: {time.monotonic() - started:.1f} s", flush=True)
        print(f"products: {layout.items} items ({layout.gtins} GTINs)", flush=True)
        print(f"events: {layout.events} events", flush=True)

        port = free_port()
        server = start_server(url, manifest, port, args.workers, args.profile)
        print(f"load_average_before: {os.getloadavg()[0]:.2f} runnable (2 cores; other work on the machine)", flush=True)
        server_processes = children(server.pid)
        cpu_before = cpu_seconds(server_processes)  # backends open during the warm-up: they start at 0
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            result = pool.apply(run_load, (port, args.gtins, args.serials, args.rate, args.seconds, 7))
        cpu_uvicorn = cpu_seconds(server_processes) - cpu_before
        cpu_database = cpu_seconds(database_backends(ADMIN_URL, name))
        cpu_used = cpu_uvicorn + cpu_database
        served = result["scheduled"] + result["warm_up"]
        print(f"load_average_after: {os.getloadavg()[0]:.2f} runnable", flush=True)
        latencies = sorted(1000 * value for value in result["latencies"])
        failed = sum(result["errors"].values())
        print(f"requests_scheduled: {result['scheduled']} requests", flush=True)
        print(f"achieved_rate: {result['scheduled'] / result['sent_for']:.1f} requests/s", flush=True)
        print(f"answered_ok: {len(latencies)} requests", flush=True)
        for kind, count in result["errors"].items():
            print(f"errors_{kind}: {count} requests", flush=True)
        # The same work costs the same CPU on a quiet or a busy machine; latency does not.
        print(f"server_cpu_per_request: {cpu_used * 1000 / served:.2f} ms (uvicorn and its PostgreSQL backends)")
        print(f"server_cpu_uvicorn_per_request: {cpu_uvicorn * 1000 / served:.2f} ms", flush=True)
        print(f"server_cpu_postgres_per_request: {cpu_database * 1000 / served:.2f} ms", flush=True)
        print(f"verify_cpu_ms_per_request: {cpu_used * 1000 / served:.3f}", flush=True)
        print(f"verify_p50_ms: {percentile(latencies, 0.50):.1f} ms", flush=True)
        print(f"verify_p90_ms: {percentile(latencies, 0.90):.1f} ms", flush=True)
        print(f"verify_max_ms: {latencies[-1] if latencies else float('nan'):.1f} ms", flush=True)
        print(f"verify_goal_p99_ms: {GOAL_P99_MS} ms", flush=True)
        # A failed request counts as infinitely slow: the percentile is over every scheduled request.
        p99 = percentile(latencies + [float("inf")] * failed, 0.99)
        print(f"verify_p99_ms: {p99:.1f}", flush=True)
    finally:
        if server is not None:
            stop_api(server)
        engine_for(url).dispose()
        if args.keep or args.database:
            print(f"database kept: {name}", file=sys.stderr)
        else:
            bench_database.drop(name)
        manifest.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    main()
