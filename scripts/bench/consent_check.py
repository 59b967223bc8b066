"""Benchmark: the consent check on the data path, over 100,000 active consents in PostgreSQL.

Workload, bulk-loaded (COPY) into a fresh database: 50,000 consumers, each with a
sealed subject key, DID, profile and ledger, and two pairwise addresses among five
advertisers; 100,000 active consents on ten offers in the mirror's tables, plus 10,000
that no longer count (5,000 withdrawn on chain, 5,000 withdrawn through the API).

1. ``consent_check``: ``backend.consent.enforcement.coverage`` (subject, grantee,
   purpose -> consent ids and the fields they cover), 5,000 random lookups in-process.
2. ``data_read``: the whole ``GET /v1/subjects/{id}/data`` request (API key, consent
   check, decrypting the profile, appending to the access log, commit), served by uvicorn
   in a separate process, 3,000 sequential requests over one keep-alive connection from
   this process to 127.0.0.1. Beside it, for the same server at the same time: CPU per
   request (uvicorn and its PostgreSQL backends), the load average, and the latency of
   ``/health`` and of an API-key-only request, which show what the machine itself adds.

``--profile FILE`` serves under py-spy and writes the server's collapsed stacks to FILE
(summarise with ``_profile_summary.py``); CPU figures then include py-spy's own sampling.

Prints ``name: value`` lines; ``data_read_p99_ms: N`` and, last, ``consent_check_p99_ms: N``.
Goals: consent check <= 2 ms, whole request <= 15 ms. Needs the machine's PostgreSQL
(127.0.0.1:5432); creates and drops its own database.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))

from alembic import command  # noqa: E402
from eth_utils import to_checksum_address  # noqa: E402
from sqlmodel import Session  # noqa: E402

from _api_server import start_api, stop_api  # noqa: E402
from _server_cpu import children, cpu_seconds, database_backends  # noqa: E402
from backend.chain.local_node import free_port  # noqa: E402
from backend.consent import vault  # noqa: E402
from backend.consent.enforcement import coverage  # noqa: E402
from backend.consent.models import ConsentPairwise, ConsentSubject, ConsentWithdrawal  # noqa: E402
from backend.consent.typed_data import data_categories_hash, purpose_hash  # noqa: E402
from backend.consent.vocabulary import hex32  # noqa: E402
from backend.core.db import engine_for  # noqa: E402
from backend.core.db_pipeline import connected  # noqa: E402
from backend.db.migrate import alembic_config  # noqa: E402
from backend.db.scratch import ADMIN_DSN, ScratchDatabase, scratch_database  # noqa: E402
from backend.dids.identifiers import pkh_did  # noqa: E402
from backend.identity.api_keys import issue_key  # noqa: E402
from backend.identity.models import CustodyMode, Participant, ParticipantStatus  # noqa: E402
from backend.identity.roles import Role, roles_to_mask  # noqa: E402
from backend.keys import MasterKey  # noqa: E402
from contracts.deployment import DeployedContract, DeploymentManifest  # noqa: E402
from indexer import make_engine, migrate  # noqa: E402
from indexer.models import Consent as ChainConsent  # noqa: E402
from indexer.models import ConsentOffer  # noqa: E402

CONSUMERS = 50_000
ADVERTISERS = 5
PAIRWISE_PER_CONSUMER = 2
STALE_CONSENTS = 10_000
LOOKUPS = 5_000
REQUESTS = 3_000
WARMUP = 300
CHAIN_ID = 31337
REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
PURPOSES = ("dpv:PersonalisedAdvertising", "dpv:Marketing")
CATEGORIES = (("age-band", "country", "interests"), ("age-band", "country", "interests", "language"))
PROFILE = {"age-band": "25-34", "country": "DE", "interests": ["cycling", "jazz"], "language": "de"}
OFFER_COLUMNS = (
    "updated_block", "contract", "offer_id", "advertiser", "token", "purpose", "data_categories_hash",
    "compensation", "cap", "period_length", "published_block", "grants", "grants_paid", "closed", "refund",
)
CONSENT_COLUMNS = (
    "updated_block", "contract", "consent_id", "subject", "offer_id", "grantee", "purpose", "expiry", "period",
    "compensation_paid", "status", "granted_block", "granted_at",
)
SUBJECT_COLUMNS = ("id", "wallet_lookup", "master_key_id", "subject_key", "did", "profile", "ledger", "created_at")


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def address() -> str:
    return to_checksum_address("0x" + secrets.token_hex(20))


def p99_ms(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98] * 1000


def load(database_url: str, master: MasterKey) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    """Fill the database; returns (pairwise, grantee, purpose) of active consents and each advertiser's API key."""
    engine = engine_for(database_url)
    config = alembic_config(database_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007_consent")  # identity and consent tables; the data path needs nothing else
    mirror_engine = make_engine(database_url)
    migrate(mirror_engine)
    mirror_engine.dispose()

    api_keys = {}
    with Session(engine) as session:
        for number in range(ADVERTISERS):
            participant = Participant(
                display_name=f"Advertiser {number}",
                roles=roles_to_mask([Role.ADVERTISER]),
                requested_roles=roles_to_mask([Role.ADVERTISER]),
                chain_address=address(),
                custody_mode=CustodyMode.CUSTODIAL,
                status=ParticipantStatus.APPROVED,
                kyc_expires_at=datetime(2100, 1, 1, tzinfo=UTC),
            )
            session.add(participant)
            session.flush()
            api_keys[participant.chain_address] = issue_key(session, participant, Role.ADVERTISER).secret
        session.commit()
    advertisers = list(api_keys)

    keys = vault.consent_keys(master)
    now = int(time.time())
    offers = {}  # (advertiser, purpose index) -> (offer id, categories)
    offer_rows = []
    for index, advertiser in enumerate(advertisers):
        for purpose_index in range(2):
            offer_id = len(offer_rows) + 1
            categories = CATEGORIES[(index + purpose_index) % 2]
            offers[(advertiser, purpose_index)] = offer_id
            offer_rows.append(
                (1, REGISTRY, offer_id, advertiser, address(), hex32(purpose_hash(PURPOSES[purpose_index])),
                 hex32(data_categories_hash(categories)), 5_000_000, 1_000_000, 2_592_000, 1, 0, 0, False, None)
            )

    started = time.monotonic()
    subjects, links, consents, withdrawals, active = [], [], [], [], []
    for number in range(CONSUMERS):
        subject_id = uuid.uuid4()
        key = vault.new_subject_key()
        wallet = address()
        ledger = {"pairwise": {}, "consents": {}}
        for advertiser in random.sample(advertisers, PAIRWISE_PER_CONSUMER):
            pairwise = address()
            purpose_index = random.randrange(2)
            consent_id = "0x" + secrets.token_hex(32)
            ledger["pairwise"][pairwise] = {"grantee": advertiser, "linked_at": "2026-01-01T00:00:00+00:00"}
            ledger["consents"][consent_id] = {"subject": pairwise, "offer_id": offers[(advertiser, purpose_index)]}
            links.append((pairwise, advertiser, vault.seal_link(keys, pairwise, subject_id)))
            consents.append(
                (1, REGISTRY, consent_id, pairwise, offers[(advertiser, purpose_index)], advertiser,
                 hex32(purpose_hash(PURPOSES[purpose_index])), now + 365 * 86_400, 1, 5_000_000, "active", 1, now)
            )
            active.append((pairwise, advertiser, PURPOSES[purpose_index]))
        seal = lambda field, value: vault.seal_field(key, subject_id, field, json.dumps(value).encode())  # noqa: E731
        wrapped = vault.wrap_subject_key(master, subject_id, key)
        did, profile = seal("did", pkh_did(CHAIN_ID, wallet)), seal("profile", PROFILE)
        lookup = vault.wallet_lookup(keys, wallet)
        sealed_ledger = seal("ledger", ledger)
        subjects.append((subject_id, lookup, master.key_id, wrapped, did, profile, sealed_ledger, datetime.now(UTC)))
        if number % 10_000 == 9_999:
            progress(f"sealed {number + 1:,} consumers ({time.monotonic() - started:.1f}s)")
    for number in range(STALE_CONSENTS):
        pairwise, advertiser, purpose = random.choice(active)
        consent_id = "0x" + secrets.token_hex(32)
        status = "withdrawn" if number % 2 else "active"
        consents.append(
            (1, REGISTRY, consent_id, pairwise, offers[(advertiser, PURPOSES.index(purpose))], advertiser,
             hex32(purpose_hash(purpose)), now + 365 * 86_400, 0, 0, status, 1, now)
        )
        if status == "active":
            withdrawals.append((consent_id, REGISTRY, "subject", datetime.now(UTC), None))

    started = time.monotonic()
    with psycopg.connect(database_url.replace("+psycopg", "")) as connection, connection.cursor() as cursor:
        copies = [
            (ConsentOffer, OFFER_COLUMNS, offer_rows),
            (ChainConsent, CONSENT_COLUMNS, consents),
            (ConsentSubject, SUBJECT_COLUMNS, subjects),
            (ConsentPairwise, ("address", "grantee", "subject_ref"), links),
            (ConsentWithdrawal, ("consent_id", "contract", "source", "accepted_at", "outbox_id"), withdrawals),
        ]
        for model, columns, rows in copies:
            with cursor.copy(f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        connection.commit()
        connection.autocommit = True
        cursor.execute("ANALYZE")
    progress(f"loaded {len(consents):,} consents, {len(subjects):,} consumers in {time.monotonic() - started:.1f}s")
    return active, api_keys


def bench_lookups(database_url: str, active: list[tuple[str, str, str]]) -> list[float]:
    samples = []
    now = int(time.time())
    with connected(engine_for(database_url)) as execute:  # as the data path runs it on PostgreSQL
        for pairwise, advertiser, purpose in random.sample(active, LOOKUPS):
            started = time.perf_counter()
            found = coverage(execute, REGISTRY, pairwise, advertiser, purpose, now)
            samples.append(time.perf_counter() - started)
            assert found.consent_ids, "every sampled consent is active"
    return samples


def serve(database_url: str, master: MasterKey, manifest: Path, port: int, profile: Path | None) -> subprocess.Popen:
    environment = {
        "DATABASE_URL": database_url,
        "TRUSTLEDGER_ENVIRONMENT": "test",
        "TRUSTLEDGER_MANIFEST_PATH": str(manifest),
        "TRUSTLEDGER_MASTER_KEY": master.to_base64(),
        "TRUSTLEDGER_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    return start_api(environment, port, profile=profile)


@contextmanager
def client_gc_paused():
    """Keep this process's garbage collector from timing itself: a full collection over the
    100,000 consents held here would land inside whichever request it interrupted. The
    request loops allocate little that outlives a request, so collection is off meanwhile."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


def bench_requests(
    port: int, active: list[tuple[str, str, str]], api_keys: dict[str, str], on_warm: Callable[[], None]
) -> list[float]:
    samples = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        for index, (pairwise, advertiser, purpose) in enumerate(random.sample(active, WARMUP + REQUESTS)):
            headers = {"Authorization": f"Bearer {api_keys[advertiser]}"}
            params = {"purpose": purpose, "fields": "age-band,country,interests,gender"}
            started = time.perf_counter()
            response = client.get(f"/v1/subjects/{pairwise}/data", params=params, headers=headers)
            elapsed = time.perf_counter() - started
            if response.status_code != 200 or "age-band" not in response.json()["data"]:
                raise RuntimeError(f"unexpected answer {response.status_code}: {response.text}")
            if index >= WARMUP:
                samples.append(elapsed)
            elif index == WARMUP - 1:
                on_warm()
    return samples


def bench_baseline(port: int, path: str, headers: dict[str, str]) -> list[float]:
    """Latency of a request that does none of the consent work, for the same machine at the same time."""
    samples = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        for index in range(WARMUP + REQUESTS // 3):
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise RuntimeError(f"unexpected answer {response.status_code}: {response.text}")
            if index >= WARMUP:
                samples.append(elapsed)
    return samples


def bench_durable_commit(database_url: str) -> list[float]:
    """A one-row INSERT + COMMIT on the same database: the floor under the access-log write (an fsync)."""
    samples = []
    with psycopg.connect(database_url.replace("+psycopg", "")) as connection:
        connection.execute("CREATE TABLE consent_bench_commit_probe (x int)")  # not TEMPORARY: those skip the WAL
        connection.commit()
        for _ in range(REQUESTS // 3):
            started = time.perf_counter()
            connection.execute("INSERT INTO consent_bench_commit_probe VALUES (1)")
            connection.commit()
            samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", type=Path, help="serve under py-spy; write the server's collapsed stacks here")
    args = parser.parse_args()
    with scratch_database("bench_consent") as database:
        measure(database, args.profile)


def measure(database: ScratchDatabase, profile: Path | None = None) -> None:
    name, database_url = database.name, database.url
    server = None
    try:
        master = MasterKey.generate()
        active, api_keys = load(database_url, master)

        lookups = bench_lookups(database_url, active)
        print(f"consent_check_p50_ms: {statistics.median(lookups) * 1000:.3f}")

        manifest = Path(tempfile.mkdtemp(prefix="consent-bench-")) / "deployment.json"
        entry = DeployedContract("ConsentRegistry", REGISTRY, 1, "0x" + "00" * 32, "")
        DeploymentManifest(chain_id=CHAIN_ID, contracts={"ConsentRegistry": entry}).save(manifest)
        port = free_port()
        server = serve(database_url, master, manifest, port, profile)
        # CPU the server and its database connections spend per request: the work itself, which
        # unlike latency does not grow when other processes share the machine.
        api_processes: list[int] = []
        backends: list[int] = []
        cpu_before: list[float] = []

        def on_warm() -> None:
            api_processes.extend(children(server.pid))
            backends.extend(database_backends(ADMIN_DSN, name))
            cpu_before.extend([cpu_seconds(api_processes), cpu_seconds(backends)])

        with client_gc_paused():
            requests = bench_requests(port, active, api_keys, on_warm)
            api_ms = (cpu_seconds(api_processes) - cpu_before[0]) * 1000 / len(requests)
            postgres_ms = (cpu_seconds(backends) - cpu_before[1]) * 1000 / len(requests)
            cpu_ms = api_ms + postgres_ms
            health = bench_baseline(port, "/health", {})
            any_key = {"Authorization": f"Bearer {next(iter(api_keys.values()))}"}
            authenticated = bench_baseline(port, "/v1/participants/me", any_key)
        print(f"baseline_insert_commit_p99_ms: {p99_ms(bench_durable_commit(database_url)):.3f} (one-row write, fsync)")
        print(f"baseline_health_p99_ms: {p99_ms(health):.3f} (no dependencies, no database)")
        print(f"baseline_authenticated_p99_ms: {p99_ms(authenticated):.3f} (GET /v1/participants/me: API key only)")
        print(f"active_consents: {len(active):,}")
        print(f"data_read_requests: {len(requests):,}")
        print(f"data_read_p50_ms: {statistics.median(requests) * 1000:.3f}")
        print(f"data_read_api_cpu_ms_per_request: {api_ms:.3f} (uvicorn)")
        print(f"data_read_postgres_cpu_ms_per_request: {postgres_ms:.3f} (its PostgreSQL backends)")
        print(f"data_read_cpu_ms_per_request: {cpu_ms:.3f} (uvicorn and its PostgreSQL backends)")
        print(f"data_read_p99_ms: {p99_ms(requests):.3f}")
        # Latency here is mostly waiting for a CPU and for fsync when other work shares the machine.
        print(f"load_average_1m: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        print(f"consent_check_lookups: {len(lookups):,}")
        print(f"consent_check_p99_ms: {p99_ms(lookups):.3f}")
    finally:
        if server is not None:
            stop_api(server)


if __name__ == "__main__":
    main()
