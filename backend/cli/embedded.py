"""`trustledger run`: the embedded mode in one process (API, sender, indexer, beat's schedule)."""

from __future__ import annotations

import logging
import signal
import sys
import threading

import typer

from backend.core.config import get_settings

log = logging.getLogger("trustledger.run")


def run(
    host: str = typer.Option(None, help="bind address (default: TRUSTLEDGER_API_HOST)"),
    port: int = typer.Option(None, help="port (default: TRUSTLEDGER_API_PORT)"),
    sender_interval: float = typer.Option(0.5, min=0.01, help="seconds between sender passes when idle"),
) -> None:
    """The embedded mode in one process: the API, the sender, the indexer and the scheduled jobs.

    Beside the API it sends outbox transactions, mirrors the chain and runs beat's schedule
    (settlement, keeper, anchoring, purge). Needs no broker and refuses one. Ctrl-C stops it.
    """
    settings = get_settings()
    if settings.broker_url is not None:
        typer.echo(
            "TRUSTLEDGER_BROKER_URL is set: with a broker, run `trustledger api`, `trustledger worker`, "
            "`trustledger beat` and `trustledger index run` instead.",
            err=True,
        )
        raise typer.Exit(2)

    from backend.db.migrate import upgrade_database
    from backend.worker.embedded import EmbeddedServices

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per RPC call otherwise
    upgrade_database(settings.database_url)
    services = EmbeddedServices(
        settings, host=host or settings.api_host, port=port or settings.api_port, sender_interval=sender_interval
    )
    stop = _stop_on_signals()
    try:
        services.start()
    except RuntimeError as error:
        services.stop()
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    failed = False
    try:
        while not stop.wait(0.5):
            if not services.healthy:
                log.error("a service of the embedded process stopped; shutting down")
                failed = True
                break
    finally:
        log.info("stopping")
        left = services.stop()
        if left:
            log.warning("left running at exit (each is safe to run again): %s", ", ".join(left))
    if failed:
        raise typer.Exit(1)


def _stop_on_signals() -> threading.Event:
    """An event set by the first SIGINT or SIGTERM; a second one gets the default behaviour (exit at once)."""
    stop = threading.Event()
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}

    def handle(signum, _frame) -> None:
        stop.set()
        for number, handler in previous.items():
            signal.signal(number, handler)

    for signum in previous:
        signal.signal(signum, handle)
    return stop
