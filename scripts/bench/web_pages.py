"""Benchmark: every page for people, loaded in headless Chromium on a realistic account.

1. Creates a fresh PostgreSQL database (dropped at the end), migrates the backend and the
   indexer's mirror, and seeds it directly (``_web_seed.py``): one advertiser's 100 campaigns
   with 2,000 settled epochs (20 each, their roots mirrored, the oldest matured, paid out to
   five publishers), the 100,000 ad events priced into them, three open challenges, one
   brand's 1,000 products (100 serials each, three anchored EPCIS events on serial 0) and a
   dozen open consent offers. The rows are written as the API and the indexer would write
   them, not produced through anvil and the indexer: settling 2,000 epochs on a chain would
   take far longer than the measurement, and the pages read only the database (the mirror).
2. Serves the app with uvicorn in a separate process (production settings, ``--workers``
   processes, no access log, rate limits off: every load comes from one address).
3. Loads each page ``--runs`` times in Debian's Chromium (Playwright with ``executable_path``,
   never a downloaded browser), each load in a fresh browser context (empty cache, as a first
   visit). A console page is a shell until sign-in, so its load is the shell's (navigation until
   the network is idle) plus the signed-in part: the API key is submitted in the sign-in form and
   the time runs from the submit until the last response of the reads it starts. Network idle is
   no request in flight for 500 ms; the time counted ends at the last response's end (Resource
   Timing), not after the quiet 500 ms. The pages:

   - ``product``: the verification page of a product (``/01/{gtin}/21/{serial}``), a random one;
   - ``wallet``: the consumer consent wallet (``/wallet``), signed out (its offers are server-rendered);
   - ``advertiser``, ``publisher``, ``brand``, ``auditor``: ``/console/<role>``, signed in.

   Two views inside a console are timed too, from the click until the network is idle, and
   printed apart (they are not navigations): ``view_advertiser_campaign`` (a campaign's
   settlement timeline and traffic) and ``view_brand_product`` (a product's serials and scans).

``--profile FILE`` serves under py-spy and writes the server's collapsed stacks to FILE
(summarise with ``_profile_summary.py``).

Prints ``name: value unit`` lines: per page the p50 and p95 load time, the p50 of its parts (the
shell, the signed-in reads, the slowest ``/v1`` response's wait), the server CPU per load
(uvicorn's processes and their PostgreSQL backends, from /proc; unlike latency it does not grow
with other work on the machine) and the bytes of ``/v1`` responses it fetched; then
``page_load_p95_ms`` over every load of every page (goal <= 800) and, last, ``page_js_gzip_kb``:
the JavaScript of the heaviest page, each script gzip-compressed (level 9), in kB (goal <= 150).
"""

from __future__ import annotations

import argparse
import gzip
import math
import os
import random
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path


PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))

import _bench_database as bench_database  # noqa: E402
from _api_server import start_production_api, stop_api  # noqa: E402
from _bench_database import ADMIN_URL  # noqa: E402
from _server_cpu import children, cpu_seconds, database_backends  # noqa: E402
from _web_seed import seed, serial_of  # noqa: E402
from backend.chain.local_node import free_port  # noqa: E402
from backend.core.db import engine_for  # noqa: E402
from tests.browser.wallet_support import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

GOAL_P95_MS = 800
GOAL_JS_GZIP_KB = 150
IDLE_MS = 500  # network idle: no request in flight for this long
TIMEOUT_S = 30
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# Which element says a console has finished drawing what it fetched (hidden again once loaded).
CONSOLES = {
    "advertiser": "#campaigns-loading",
    "publisher": "#payouts-loading",
    "brand": "#products-loading",
    "auditor": "#queue-loading",
}
PAGES = ("product", "wallet", *CONSOLES)

# The end of the last response, in ms since navigation start, of the resources started at or after `since`.
LAST_RESPONSE_JS = """(since) => Math.max(0, ...performance.getEntriesByType('resource')
    .filter((entry) => entry.startTime >= since).map((entry) => entry.responseEnd))"""
API_JS = """() => { const calls = performance.getEntriesByType('resource')
    .filter((entry) => new URL(entry.name).pathname.startsWith('/v1/'));
  return { bytes: calls.reduce((sum, entry) => sum + entry.encodedBodySize, 0),
           wait: Math.max(0, ...calls.map((entry) => entry.responseStart - entry.requestStart)) }; }"""
SHELL_END_JS = """() => Math.max(performance.getEntriesByType('navigation')[0].loadEventEnd,
    ...performance.getEntriesByType('resource').map((entry) => entry.responseEnd))"""


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


class Network:
    """Requests in flight on a page, and when the count last changed: for waiting until idle."""

    def __init__(self, page):
        self.in_flight = 0
        self.changed = time.monotonic()
        self.scripts: dict[str, int] = {}  # script URL -> gzip-compressed bytes
        self.failures: list[str] = []
        page.on("request", self._started)
        page.on("requestfinished", self._finished)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _started(self, _request) -> None:
        self.in_flight += 1
        self.changed = time.monotonic()

    def _finished(self, _request) -> None:
        self.in_flight -= 1
        self.changed = time.monotonic()

    def _failed(self, request) -> None:
        self._finished(request)
        self.failures.append(f"{request.method} {request.url}: {request.failure}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.failures.append(f"{response.request.method} {response.url}: {response.status}")
        if response.request.resource_type == "script" and response.url not in self.scripts:
            self.scripts[response.url] = len(gzip.compress(response.body(), compresslevel=9))

    def wait_idle(self, page) -> None:
        deadline = time.monotonic() + TIMEOUT_S
        while not (self.in_flight == 0 and time.monotonic() - self.changed >= IDLE_MS / 1000):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the network was not idle within {TIMEOUT_S} s ({self.in_flight} in flight)")
            page.wait_for_timeout(25)


class Server:
    """The served app's processes and their database backends, for CPU per load."""

    def __init__(self, process: subprocess.Popen, database: str):
        self.processes = children(process.pid)
        self.database = database

    def cpu(self) -> float:
        return cpu_seconds(self.processes + database_backends(ADMIN_URL, self.database))


def sign_in(page, network: Network, key: str, loading: str) -> float:
    """Submit `key` in the sign-in form; ms from the submit until the last response of what it fetched."""
    submitted = page.evaluate(
        """(key) => { document.getElementById('signin-key').value = key;
                     const at = performance.now();
                     document.getElementById('signin-key-form').requestSubmit();
                     return at; }""", key)
    page.wait_for_selector("#signin-status[data-state=signed-in]", timeout=TIMEOUT_S * 1000)
    page.wait_for_selector(loading, state="hidden", timeout=TIMEOUT_S * 1000)
    network.wait_idle(page)
    return page.evaluate(LAST_RESPONSE_JS, submitted) - submitted


def click_view(page, network: Network, selector: str) -> float:
    """Click `selector`; ms from the click until the last response of what it fetched."""
    clicked = page.evaluate("(selector) => { const at = performance.now(); "
                            "document.querySelector(selector).click(); return at; }", selector)
    network.wait_idle(page)
    return page.evaluate(LAST_RESPONSE_JS, clicked) - clicked


def load(browser, base: str, name: str, seeded, chooser: random.Random, server: Server) -> dict:
    """One load of page `name` in a fresh context: times (ms), server CPU (s), /v1 bytes, script sizes."""
    phone = name in ("product", "wallet")
    context = browser.new_context(viewport=PHONE if phone else DESKTOP, locale="en-GB", timezone_id="Europe/Berlin")
    try:
        page = context.new_page()
        network = Network(page)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        path = {"product": f"/01/{chooser.choice(seeded.gtins)}/21/{serial_of(0)}", "wallet": "/wallet"}.get(
            name, f"/console/{name}")
        cpu_before = server.cpu()
        response = page.goto(base + path, wait_until="load", timeout=TIMEOUT_S * 1000)
        if response is None or response.status != 200:
            raise RuntimeError(f"{path}: {response.status if response else 'no response'}")
        network.wait_idle(page)
        shell = page.evaluate(SHELL_END_JS)
        views: dict[str, float] = {}
        signed_in = sign_in(page, network, seeded.keys[name], CONSOLES[name]) if name in CONSOLES else 0.0
        cpu = server.cpu() - cpu_before
        api = page.evaluate(API_JS)
        if name == "advertiser":
            views["view_advertiser_campaign"] = click_view(
                page, network, f'tr[data-campaign-id="{seeded.busiest_campaign}"] button.open')
        elif name == "brand":
            views["view_brand_product"] = click_view(page, network, "#products tbody tr button.open")
        if network.failures or errors:
            raise RuntimeError(f"{path}: {network.failures + errors}")
        return {"ms": shell + signed_in, "shell": shell, "signed_in": signed_in, "cpu": cpu, "api_bytes": api["bytes"],
                "api_wait": api["wait"], "scripts": dict(network.scripts), "views": views}
    finally:
        context.close()


def measure(base: str, seeded, server: Server, runs: int, seed_value: int) -> dict[str, list[dict]]:
    from playwright.sync_api import sync_playwright

    chooser = random.Random(seed_value)
    results: dict[str, list[dict]] = defaultdict(list)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name in PAGES:  # warm-up: the server's first requests (imports, pools, templates)
                load(browser, base, name, seeded, chooser, server)
            for _ in range(runs):
                for name in PAGES:
                    results[name].append(load(browser, base, name, seeded, chooser, server))
        finally:
            browser.close()
    return results


def start_server(url: str, manifest: Path, port: int, workers: int, profile: Path | None, log: Path) -> subprocess.Popen:
    # every load comes from 127.0.0.1
    return start_production_api(url, manifest, port, workers, {"TRUSTLEDGER_RATE_LIMITS_ENABLED": "false"}, profile, log)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="loads of each page (after one warm-up load)")
    parser.add_argument("--campaigns", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=2000, help="settled epochs, spread over the campaigns")
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--serials", type=int, default=100, help="serials per product")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--profile", type=Path, help="serve under py-spy; write the server's collapsed stacks here")
    args = parser.parse_args()

    dist = PROJECT_ROOT / "backend" / "web" / "static" / "dist"
    if not (dist / "advertiser.js").exists():
        sys.exit(f"{dist}: the page bundles are not built (npm run build:web)")
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM}: Debian's chromium is not installed")

    name = bench_database.new_name("web")
    url = bench_database.url_of(name)
    workdir = Path(os.environ.get("TMPDIR", "/tmp")) / name
    workdir.mkdir(parents=True)
    manifest = workdir / "deployment.json"
    bench_database.create(name)
    server = None
    try:
        started = time.monotonic()
        bench_database.migrate(url)
        seeded = seed(url, campaigns=args.campaigns, epochs=args.epochs, products=args.products, serials=args.serials)
        engine_for(url).dispose()
        seeded.manifest.save(manifest)
        print(f"seed_s: {time.monotonic() - started:.1f} s", flush=True)
        for what, count in seeded.counts.items():
            print(f"seeded_{what}: {count} rows", flush=True)

        port = free_port()
        server_log = workdir / "server.log"
        process = server = start_server(url, manifest, port, args.workers, args.profile, server_log)
        print(f"load_average_before: {os.getloadavg()[0]:.2f} runnable (2 cores; other work on the machine)", flush=True)
        results = measure(f"http://127.0.0.1:{port}", seeded, Server(process, name), args.runs, 7)
        print(f"load_average_after: {os.getloadavg()[0]:.2f} runnable", flush=True)

        every: list[float] = []
        js_kb: dict[str, float] = {}
        views: dict[str, list[float]] = defaultdict(list)
        for page in PAGES:
            loads = results[page]
            times = sorted(entry["ms"] for entry in loads)
            every += times
            cpu_ms = 1000 * sum(entry["cpu"] for entry in loads) / len(loads)
            api_kb = sum(entry["api_bytes"] for entry in loads) / len(loads) / 1000
            js_kb[page] = sum(loads[-1]["scripts"].values()) / 1000
            print(f"{page}_p50_ms: {percentile(times, 0.50):.0f} ms", flush=True)
            print(f"{page}_p95_ms: {percentile(times, 0.95):.0f} ms", flush=True)
            parts = {part: percentile(sorted(entry[part] for entry in loads), 0.50)
                     for part in ("shell", "signed_in", "api_wait")}
            print(f"{page}_parts_p50_ms: shell {parts['shell']:.0f}, signed-in reads {parts['signed_in']:.0f}, "
                  f"slowest /v1 wait {parts['api_wait']:.0f} ms", flush=True)
            print(f"{page}_server_cpu_ms: {cpu_ms:.0f} ms per load (uvicorn and its PostgreSQL backends)", flush=True)
            print(f"{page}_api_kb: {api_kb:.1f} kB of /v1 responses per load (as sent)", flush=True)
            print(f"{page}_js_gzip_kb: {js_kb[page]:.1f} kB", flush=True)
            for entry in loads:
                for view, ms in entry["views"].items():
                    views[view].append(ms)
        for view, times in views.items():
            print(f"{view}_p95_ms: {percentile(sorted(times), 0.95):.0f} ms (click until network idle)", flush=True)
        print(f"page_load_goal_p95_ms: {GOAL_P95_MS} ms", flush=True)
        print(f"page_load_p95_ms: {percentile(sorted(every), 0.95):.0f} ms", flush=True)
        heaviest = max(js_kb, key=js_kb.get)
        print(f"page_js_goal_gzip_kb: {GOAL_JS_GZIP_KB} kB (heaviest page: {heaviest})", flush=True)
        print(f"page_js_gzip_kb: {js_kb[heaviest]:.1f} kB", flush=True)
    except BaseException:
        if server is not None:  # what the server said (its access log, any traceback)
            print("".join(server_log.read_text(errors="replace").splitlines(True)[-20:]), file=sys.stderr)
        raise
    finally:
        if server is not None:
            stop_api(server)
            server_log.unlink(missing_ok=True)
        engine_for(url).dispose()
        bench_database.drop(name)
        manifest.unlink(missing_ok=True)
        workdir.rmdir()


if __name__ == "__main__":
    main()
