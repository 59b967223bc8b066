"""`make demo`: the whole trustledger flow on the embedded default.

A local anvil node (its state kept in data/demo/chain-state.json), SQLite, the
local content store and in-process tasks: no Docker, no PostgreSQL, no Redis.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.panel import Panel

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from backend.chain.local_node import LocalNode, dev_private_keys  # noqa: E402

DEMO_DIR = PROJECT_ROOT / "data" / "demo"
console = Console()


def main() -> None:
    started = time.monotonic()
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    keys = dev_private_keys(4)
    # Development keys of the local node only; production reads them from its env file.
    os.environ.setdefault("TRUSTLEDGER_DEPLOYER_PRIVATE_KEY", keys[0])
    os.environ.setdefault("TRUSTLEDGER_RELAYER_PRIVATE_KEY", keys[1])
    os.environ.setdefault("TRUSTLEDGER_ATTESTER_PRIVATE_KEY", keys[2])
    os.environ.setdefault("TRUSTLEDGER_MANIFEST_PATH", str(DEMO_DIR / "deployment.json"))
    os.environ.setdefault("TRUSTLEDGER_DATABASE_URL", f"sqlite:///{DEMO_DIR / 'trustledger.db'}")
    os.environ.setdefault("TRUSTLEDGER_CONTENT_STORE_URL", str(DEMO_DIR / "content"))

    from eth_account import Account

    from backend.chain.deploy import deploy_all
    from backend.core.config import get_settings
    from contracts import compile_contracts

    console.rule("[bold]trustledger demo")
    with console.status("compiling contracts (solc-js, cached by source hash)"):
        compile_contracts()
    console.print("[green]✓[/green] contracts compiled")

    node = LocalNode(state_file=DEMO_DIR / "chain-state.json")
    with node:
        console.print(f"[green]✓[/green] anvil running at {node.url} (chain id {node.chain_id})")
        settings = get_settings()
        os.environ["TRUSTLEDGER_RPC_URL"] = node.url
        manifest = deploy_all(
            node.url,
            Account.from_key(settings.deployer_private_key.get_secret_value()),
            settings.manifest_path,
            platform_fee_bps=settings.platform_fee_bps,
            attester=Account.from_key(settings.attester_private_key.get_secret_value()).address,
            progress=lambda message: console.print(f"  {message}"),
        )
        console.print(Panel(manifest.to_json(), title=f"deployment manifest ({settings.manifest_path})"))
    console.rule(f"done in {time.monotonic() - started:.1f}s")


if __name__ == "__main__":
    main()
