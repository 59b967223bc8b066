"""`trustledger verify-event SOURCE`: check an event proof against the chain, not trusting the API.

SOURCE is a JSON file or an http(s) URL (e.g. ``GET /v1/events/{id}/proof``, with
``--api-key``). The node (``--rpc-url``) and the deployment manifest name the escrow;
the checks are listed in ``backend.settlement.proofs.verification``.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from backend.cli.failures import EXIT_BAD_INPUT, CommandFailed
from backend.core.config import get_settings

console = Console()


def _load(source: str, api_key: str | None) -> dict:
    if source.startswith(("http://", "https://")):
        import httpx

        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        response = httpx.get(source, headers=headers, timeout=30)
        if response.status_code != 200:
            raise CommandFailed(
                f"{source} answered {response.status_code}", "check the URL and --api-key", code=EXIT_BAD_INPUT
            )
        return response.json()
    try:
        return json.loads(Path(source).read_text())
    except (OSError, ValueError) as exc:
        raise CommandFailed(f"cannot read {source} ({exc})", "pass a proof JSON file or URL") from None


def verify_event(
    source: str = typer.Argument(..., help="proof JSON: a file path or an http(s) URL"),
    rpc_url: str | None = typer.Option(None, help="JSON-RPC endpoint (default: TRUSTLEDGER_RPC_URL)"),
    manifest: Path | None = typer.Option(None, help="deployment manifest (default: TRUSTLEDGER_MANIFEST_PATH)"),
    api_key: str | None = typer.Option(None, envvar="TRUSTLEDGER_API_KEY", help="API key when SOURCE is a URL"),
) -> None:
    """Verify a billed event's proof on chain. Exits 0 when every check passes, 1 when one fails."""
    from web3 import Web3

    from backend.settlement.proofs.verification import ProofDocumentInvalid, verify_event_proof
    from contracts.deployment import DeploymentManifest, ManifestError

    settings = get_settings()
    try:
        deployed = DeploymentManifest.load(manifest or settings.manifest_path)
        escrow = deployed.address("CampaignEscrow")
    except ManifestError as exc:
        raise CommandFailed(
            f"bad deployment manifest ({exc})", "pass --manifest or set TRUSTLEDGER_MANIFEST_PATH"
        ) from None
    document = _load(source, api_key)
    w3 = Web3(Web3.HTTPProvider(rpc_url or settings.rpc_url, request_kwargs={"timeout": 30}))
    try:
        result = verify_event_proof(document, w3, escrow, deployed.chain_id)
    except ProofDocumentInvalid as exc:
        raise CommandFailed(str(exc), "pass the proof document the API served") from None
    table = Table("check", "result", "detail", title=f"event {result.event_id}")
    for check in result.checks:
        table.add_row(check.name, "[green]pass[/green]" if check.passed else "[red]FAIL[/red]", check.detail)
    console.print(table)
    console.print("[green]verified on chain[/green]" if result.verified else "[red]not verified[/red]")
    raise typer.Exit(0 if result.verified else 1)
