"""`trustledger deploy`: deploy the contracts and write the deployment manifest."""

from __future__ import annotations

from pathlib import Path

import typer
from eth_account import Account
from rich.console import Console

from backend.cli.failures import CommandFailed
from backend.core.config import get_settings

console = Console()


def deploy(
    rpc: str = typer.Option(None, "--rpc", help="JSON-RPC URL (default: TRUSTLEDGER_RPC_URL)"),
    manifest: Path = typer.Option(None, help="manifest path (default: TRUSTLEDGER_MANIFEST_PATH)"),
) -> None:
    """Deploy every contract, grant the initial roles and write the manifest; safe to re-run."""
    from backend.chain.deploy import DeployError, deploy_all
    from contracts import CompilationError

    settings = get_settings()
    if settings.deployer_private_key is None:
        raise CommandFailed(
            "TRUSTLEDGER_DEPLOYER_PRIVATE_KEY is not set", "set it: the deployer key becomes the admin"
        )
    admin = Account.from_key(settings.deployer_private_key.get_secret_value())
    attester = (
        Account.from_key(settings.attester_private_key.get_secret_value()).address
        if settings.attester_private_key
        else None
    )
    manifest_path = manifest or settings.manifest_path
    try:
        result = deploy_all(
            rpc or settings.rpc_url,
            admin,
            manifest_path,
            platform_fee_bps=settings.platform_fee_bps,
            attester=attester,
            progress=console.print,
        )
    except (DeployError, CompilationError) as exc:
        raise CommandFailed(f"deploy failed ({exc})", "fix what the message names and re-run (deploy is idempotent)") from None
    console.print(f"manifest written to {manifest_path}")
    console.print_json(result.to_json())
