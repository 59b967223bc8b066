"""How every ``trustledger`` command fails: one line on stderr, a distinct exit code, no traceback.

``CleanFailures`` is the root command group of the app: any exception a command lets
escape goes through ``describe`` here, which names the failure class (node, database,
broker or content store unreachable, bad manifest or configuration, wrong chain id, a
domain refusal) and prints ``error: <what went wrong> — <how to fix it>``. ``--debug`` or
``TRUSTLEDGER_DEBUG=1`` re-raises instead, with the traceback.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass

import click
import typer
from typer._click.exceptions import ClickException as TyperClickException
from typer.core import TyperGroup

EXIT_FAILED = 1  # the command ran and found a problem (or an unexpected error)
EXIT_USAGE = 2  # wrong options or arguments (click's own code)
EXIT_UNREACHABLE = 3  # node, database, broker or content store did not answer
EXIT_BAD_INPUT = 4  # manifest, configuration, input file or backup is missing or invalid
EXIT_REFUSED = 5  # a domain rule refused the operation

DEBUG_ENV = "TRUSTLEDGER_DEBUG"
DEBUG_META = "trustledger.debug"


@dataclass(frozen=True)
class Failure:
    code: int
    what: str
    fix: str

    def line(self) -> str:
        return " ".join(f"error: {self.what} — {self.fix}".split())


class CommandFailed(Exception):
    """Raised by a command for a failure it recognised itself (e.g. a wrong chain id)."""

    def __init__(self, what: str, fix: str, code: int = EXIT_BAD_INPUT):
        super().__init__(what)
        self.failure = Failure(code, what, fix)


def debug_enabled(ctx=None) -> bool:
    if ctx is not None and ctx.find_root().meta.get(DEBUG_META):
        return True
    return os.environ.get(DEBUG_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _short(exc: BaseException, limit: int = 240) -> str:
    text = " ".join(str(exc).split()) or exc.__class__.__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _settings_urls() -> dict[str, str]:
    try:
        from backend.core.config import get_settings

        settings = get_settings()
    except Exception:  # invalid settings are reported by their own class
        return {}
    return {"rpc": settings.rpc_url, "content": settings.content_store_url}


def _unreachable(url: str | None, cause: BaseException) -> Failure:
    urls = _settings_urls()
    if url and urls.get("content", "").startswith("http") and url.startswith(urls["content"].rstrip("/")):
        return Failure(
            EXIT_UNREACHABLE,
            f"content store unreachable at {url} ({_short(cause)})",
            "start Kubo or fix TRUSTLEDGER_CONTENT_STORE_URL",
        )
    where = f" at {url}" if url else ""
    return Failure(
        EXIT_UNREACHABLE,
        f"chain node unreachable{where} ({cause.__class__.__name__})",
        "start the node or pass the right --rpc / TRUSTLEDGER_RPC_URL",
    )


def _describe_one(exc: BaseException) -> Failure | None:  # noqa: C901 - one branch per failure class
    import httpx
    import requests
    from pydantic import ValidationError
    from sqlalchemy.exc import ArgumentError, OperationalError as DatabaseOperationalError

    from backend.core.errors import DomainError

    if isinstance(exc, CommandFailed):
        return exc.failure
    if isinstance(exc, DomainError):
        return Failure(EXIT_REFUSED, f"refused: {exc.message}", "nothing was changed; see the message for what to fix")
    if isinstance(exc, DatabaseOperationalError):
        return Failure(
            EXIT_UNREACHABLE,
            f"database unavailable ({_short(exc.orig or exc)})",
            "start the database or fix TRUSTLEDGER_DATABASE_URL",
        )
    if isinstance(exc, ArgumentError):
        return Failure(EXIT_BAD_INPUT, f"bad database URL ({_short(exc)})", "fix TRUSTLEDGER_DATABASE_URL")
    try:
        from kombu.exceptions import OperationalError as BrokerOperationalError
    except ImportError:  # pragma: no cover - kombu ships with celery
        BrokerOperationalError = ()  # type: ignore[assignment]
    if BrokerOperationalError and isinstance(exc, BrokerOperationalError):
        return Failure(
            EXIT_UNREACHABLE, f"broker unreachable ({_short(exc)})", "start the broker or fix TRUSTLEDGER_BROKER_URL"
        )
    try:
        import redis.exceptions as redis_errors
    except ImportError:  # pragma: no cover
        redis_errors = None
    if redis_errors is not None and isinstance(exc, (redis_errors.ConnectionError, redis_errors.TimeoutError)):
        return Failure(EXIT_UNREACHABLE, f"Redis unreachable ({_short(exc)})", "start Redis or fix TRUSTLEDGER_REDIS_URL")
    if isinstance(exc, requests.exceptions.RequestException) and isinstance(
        exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)
    ):
        url = exc.request.url if exc.request is not None else None
        return _unreachable(url, exc)
    if isinstance(exc, httpx.TransportError):
        try:
            url = str(exc.request.url)
        except RuntimeError:
            url = None
        return _unreachable(url, exc)
    try:
        from web3.exceptions import ProviderConnectionError
    except ImportError:  # pragma: no cover
        ProviderConnectionError = ()  # type: ignore[assignment]
    if ProviderConnectionError and isinstance(exc, ProviderConnectionError):
        return _unreachable(None, exc)
    from backend.chain.sender.rpc import RpcTransportError
    from indexer.errors import ChainMismatch, NodeUnavailable

    if isinstance(exc, (RpcTransportError, NodeUnavailable)):
        return Failure(
            EXIT_UNREACHABLE,
            f"chain node unreachable ({_short(exc)})",
            "start the node or pass the right --rpc-url / TRUSTLEDGER_RPC_URL",
        )
    if isinstance(exc, ChainMismatch):
        return Failure(
            EXIT_BAD_INPUT,
            f"wrong chain id ({_short(exc)})",
            "point the RPC URL at the chain the manifest was deployed on, or use that chain's manifest",
        )
    from contracts.deployment import ManifestError

    if isinstance(exc, ManifestError):
        return Failure(
            EXIT_BAD_INPUT,
            f"bad deployment manifest ({_short(exc)})",
            "run `trustledger deploy` or fix --manifest / TRUSTLEDGER_MANIFEST_PATH",
        )
    if isinstance(exc, json.JSONDecodeError):
        return Failure(EXIT_BAD_INPUT, f"not valid JSON ({_short(exc)})", "check the file is the one expected")
    if isinstance(exc, ValidationError):
        fields = "; ".join(
            f"{'.'.join(map(str, err['loc'])) or exc.title}: {err['msg']}" for err in exc.errors()[:3]
        )
        return Failure(EXIT_BAD_INPUT, f"invalid {exc.title} ({fields})", "fix the values named (settings: TRUSTLEDGER_*)")
    if isinstance(exc, FileNotFoundError):
        name = exc.filename or _short(exc)
        return Failure(EXIT_BAD_INPUT, f"file not found: {name}", "check the path (and the working directory)")
    if isinstance(exc, PermissionError):
        return Failure(EXIT_BAD_INPUT, f"permission denied: {exc.filename or _short(exc)}", "check file ownership and mode")
    if isinstance(exc, (ConnectionRefusedError, TimeoutError)):
        return Failure(EXIT_UNREACHABLE, f"service unreachable ({_short(exc)})", "start it or fix its URL in the settings")
    from backend.keys import KeyCustodyError

    if isinstance(exc, KeyCustodyError):
        return Failure(
            EXIT_BAD_INPUT, f"key custody: {_short(exc)}", "set TRUSTLEDGER_MASTER_KEY_FILE to the right master key"
        )
    return None


def describe(exc: BaseException) -> Failure:
    """The one-line failure for an exception (looking through what caused it), or a generic one."""
    for link in _chain(exc):
        failure = _describe_one(link)
        if failure is not None:
            return failure
    return Failure(
        EXIT_FAILED,
        f"unexpected {exc.__class__.__name__}: {_short(exc)}",
        f"rerun with --debug (or {DEBUG_ENV}=1) for the traceback and report it",
    )


class CleanFailures(TyperGroup):
    """Root group: every command's escaping exception becomes one line and an exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperClickException, click.exceptions.Exit, click.ClickException):
            raise
        except Exception as exc:
            if debug_enabled(ctx):
                raise
            failure = describe(exc)
            typer.echo(failure.line(), err=True)
            raise typer.Exit(failure.code) from None
