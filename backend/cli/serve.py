"""Long-running processes: the API server, the Celery worker and beat."""

from __future__ import annotations

import typer

from backend.core.config import get_settings


def api(
    host: str = typer.Option(None, help="bind address (default: TRUSTLEDGER_API_HOST)"),
    port: int = typer.Option(None, help="port (default: TRUSTLEDGER_API_PORT)"),
    workers: int = typer.Option(1, min=1, help="uvicorn worker processes"),
) -> None:
    """Serve the HTTP API with uvicorn (OpenAPI at /docs)."""
    import uvicorn

    from backend.db.migrate import upgrade_database

    settings = get_settings()
    if settings.effective_log_format == "json":
        from backend.core.log_format import configure_logging

        configure_logging("json")  # this process's lines (uvicorn's supervisor); each worker's app sets its own
    upgrade_database(settings.database_url)
    uvicorn.run(
        "backend.api.main:create_app",
        factory=True,
        host=host or settings.api_host,
        port=port or settings.api_port,
        workers=workers,
        log_level="info",
        # JSON logs: the app's root handler writes every line (uvicorn's own config and access
        # log would print text); the request observer writes the access line.
        **({"log_config": None, "access_log": False} if settings.effective_log_format == "json" else {}),
    )


def worker(
    concurrency: int = typer.Option(2, min=1, help="worker processes"),
    queues: str = typer.Option("celery", help="comma-separated queues to consume"),
) -> None:
    """Run a Celery worker (needs TRUSTLEDGER_BROKER_URL)."""
    from backend.worker.celery_app import celery_app

    _require_broker()
    celery_app.worker_main(["worker", f"--concurrency={concurrency}", f"--queues={queues}", "--loglevel=INFO"])


def beat() -> None:
    """Run Celery beat, which schedules settlement epochs and keeper tasks (needs TRUSTLEDGER_BROKER_URL)."""
    from backend.worker.celery_app import celery_app

    _require_broker()
    celery_app.start(["beat", "--loglevel=INFO"])


def _require_broker() -> None:
    if get_settings().broker_url is None:
        typer.echo("TRUSTLEDGER_BROKER_URL is not set; in embedded mode tasks run inside the API process.", err=True)
        raise typer.Exit(2)
