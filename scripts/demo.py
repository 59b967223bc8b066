"""`make demo`: the whole trustledger flow on the embedded default.

A local anvil node (its state kept in data/demo/chain-state.json), SQLite, the local
content store and in-process tasks: no Docker, no PostgreSQL, no Redis. The API runs
under uvicorn on a free local port and every step goes through it over HTTP; queued
transactions are sent by the one sender and mirrored by the indexer in this process.
Running it again continues on the kept chain and database with new participants.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from backend.chain.local_node import LocalNode, dev_private_keys, free_port  # noqa: E402

DEMO_DIR = PROJECT_ROOT / "data" / "demo"
UNIT = 10**6
console = Console()


def configure_environment(keys: list[str]) -> None:
    """Embedded-mode settings for this run; an operator's own environment wins."""
    from backend.keys.master import MasterKey

    master_key_file = DEMO_DIR / "master.key"
    if not master_key_file.exists():
        MasterKey.generate().write_file(master_key_file)
    defaults = {
        # anvil's public development keys: they fund only this local chain.
        "TRUSTLEDGER_DEPLOYER_PRIVATE_KEY": keys[0],
        "TRUSTLEDGER_RELAYER_PRIVATE_KEY": keys[1],
        "TRUSTLEDGER_ATTESTER_PRIVATE_KEY": keys[2],
        "TRUSTLEDGER_MASTER_KEY_FILE": str(master_key_file),
        "TRUSTLEDGER_MANIFEST_PATH": str(DEMO_DIR / "deployment.json"),
        "TRUSTLEDGER_DATABASE_URL": f"sqlite:///{DEMO_DIR / 'trustledger.db'}",
        "TRUSTLEDGER_CONTENT_STORE_URL": str(DEMO_DIR / "content"),
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)


def money(amount: int | str) -> str:
    return f"{int(amount) / UNIT:,.2f}"


def show_balances(title: str, rows: list[dict], amounts: list[tuple[str, str]]) -> None:
    """A table of participants and amounts (base units, shown in whole tokens)."""
    table = Table(title=title)
    table.add_column("participant")
    for header, _key in amounts:
        table.add_column(header, justify="right")
    for row in rows:
        table.add_row(row["participant"], *(money(row[key]) for _header, key in amounts))
    console.print(table)


def main() -> None:
    started = time.monotonic()
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    keys = dev_private_keys(7)
    configure_environment(keys)

    import httpx
    from eth_account import Account

    from backend.ads.demo import run_ingest_demo
    from backend.api.server import ApiServer
    from backend.campaigns.demo import InProcessChain, demo_admin_key, run_campaign_demo
    from backend.chain.deploy import deploy_all
    from backend.consent.demo import consent_step
    from backend.core.config import Settings
    from backend.provenance.demo import run_provenance_demo
    from backend.settlement.demo import run_settlement_demo
    from contracts import compile_contracts

    console.rule("[bold]trustledger demo")
    with console.status("compiling contracts (solc-js, cached by source hash)"):
        compile_contracts()
    console.print("[green]✓[/green] contracts compiled")

    with LocalNode(state_file=DEMO_DIR / "chain-state.json") as node:
        api_port = free_port()
        os.environ["TRUSTLEDGER_RPC_URL"] = node.url
        os.environ["TRUSTLEDGER_PUBLIC_BASE_URL"] = f"http://127.0.0.1:{api_port}"
        settings = Settings()
        console.print(f"[green]✓[/green] anvil at {node.url} (chain id {node.chain_id}), database {settings.database_url}")

        console.rule("1. contracts")
        deployer = Account.from_key(settings.deployer_private_key.get_secret_value())
        manifest = deploy_all(
            node.url,
            deployer,
            settings.manifest_path,
            platform_fee_bps=settings.platform_fee_bps,
            attester=Account.from_key(settings.attester_private_key.get_secret_value()).address,
            progress=lambda message: console.print(f"  {message}"),
        )
        console.print(f"  manifest: {settings.manifest_path} ({len(manifest.contracts)} contracts)")
        _short_challenge_windows(node.url, deployer, manifest)

        admin_key = demo_admin_key(settings, deployer.address)
        chain = InProcessChain(settings)
        with ApiServer(settings, "127.0.0.1", api_port) as api, httpx.Client(base_url=api.url, timeout=60) as client:
            console.print(f"[green]✓[/green] API at {api.url} (OpenAPI at {api.url}/docs)")

            console.rule("2. participants and campaign escrow")
            campaign = run_campaign_demo(
                client, admin_key=admin_key, settle=chain.settle, progress=lambda m: console.print(f"  {m}")
            )
            show_balances("balances after funding (tUSD)", campaign.balances,
                          [("wallet", "wallet"), ("in escrow", "in_escrow")])

            console.rule("3. publishers report events")
            ingest = run_ingest_demo(
                client,
                campaign_id=campaign.campaign["chain"]["campaign_id"],
                publishers=campaign.publishers,
                progress=lambda m: console.print(f"  {m}"),
            )
            reasons = Table(title="filtered (kept, never billed) by reason")
            reasons.add_column("reason")
            reasons.add_column("events", justify="right")
            for reason, count in sorted(ingest.filtered.items()):
                reasons.add_row(reason, str(count))
            console.print(reasons)

            console.rule("4. settlement, payouts and proof")
            settled = run_settlement_demo(
                client, settings, campaign=campaign.campaign, publishers=campaign.publishers,
                settle=chain.settle, progress=lambda m: console.print(f"  {m}"),
            )
            show_balances("publisher balances (tUSD)", settled.balances,
                          [("before", "before"), ("after", "after"), ("received", "received")])
            verdict = "[green]verified on chain[/green]" if settled.verification.verified else "[red]NOT verified[/red]"
            console.print(f"  event proof: leaf {settled.proof['leaf']} -> {verdict}")

            console.rule("5. data consent")
            consent = consent_step(
                client, advertiser_key=campaign.advertiser.api_key, consumer_key=keys[5], settle=chain.settle
            )
            console.print(f"  consumer {consent.consumer_did} -> pairwise subject {consent.pairwise_address}")
            console.print(f"  consent {consent.consent_id} granted in {consent.grant_transaction}")
            console.print(f"  advertiser read {sorted(consent.disclosed)}; withheld {sorted(consent.withheld)}")
            console.print(f"  other purpose -> {consent.other_purpose_status}; after withdrawal -> "
                          f"{consent.after_withdrawal_status}; receipt status {consent.receipt_status}")

            console.rule("6. product provenance")
            product = run_provenance_demo(
                client, settings, admin_key=admin_key, fund=_gas_faucet(node.url, deployer),
                progress=lambda m: console.print(f"  {m}"),
            )
            console.print(f"  product page: {api.url}{product.page_path}")
            console.print(f"  Digital Link: {product.product_url}")
            console.print(f"  verdict: [bold]{product.verdict}[/bold] — {product.reason}")

            console.rule("7. pages")
            show_consoles(api.url, {
                "advertiser": ("/console/advertiser", campaign.advertiser.api_key),
                "publisher": ("/console/publisher", campaign.publishers[0].api_key),
                "brand": ("/console/brand", product.brand_api_key),
                "auditor and admin": ("/console/auditor", admin_key),
            })
            show_wallet_login(api.url, node, keys)
            if "--serve" in sys.argv:
                serve_until_interrupted(chain)
        chain.close()
    console.rule(f"done in {time.monotonic() - started:.1f}s")


def show_consoles(api_url: str, consoles: dict[str, tuple[str, str]]) -> None:
    """Each console's URL and a ready demo login (an API key to paste into its sign-in form).

    Printed as plain lines, not a table: keys and URLs must stay whole to be copied."""
    console.print("  consoles (sign in with 'API key' and paste the demo key):")
    for role, (path, api_key) in consoles.items():
        console.print(f"  {role}: [bold]{api_url}{path}[/bold]", soft_wrap=True)
        console.print(f"    demo API key: {api_key}", soft_wrap=True, highlight=False)


def show_wallet_login(api_url: str, node, keys: list[str]) -> None:
    """The consumer wallet's URL and a ready login: anvil development key #6 (the demo uses #0-#5)."""
    from eth_account import Account

    consumer = Account.from_key(keys[6])
    console.print(f"  consumer wallet: [bold]{api_url}/wallet[/bold]")
    console.print(f"  demo login: in MetaMask add the network {node.url} (chain id {node.chain_id}), import the "
                  f"anvil development key {keys[6]} (account {consumer.address}), open the page and press "
                  "'Connect wallet and sign in'; the offer of step 5 is open for it")
    if "--serve" not in sys.argv:
        console.print("  the page needs the demo's chain and API running: [bold]make demo-serve[/bold] "
                      "runs the demo and keeps them up until Ctrl-C")


def serve_until_interrupted(chain, every: float = 2.0) -> None:
    """Keep anvil and the API up, sending queued transactions and mirroring the chain every `every` seconds."""
    console.print("  serving; Ctrl-C stops")
    try:
        while True:
            time.sleep(every)
            chain.settle()
    except KeyboardInterrupt:
        console.print("  stopped")


DEMO_CHALLENGE_WINDOW = 60


def _short_challenge_windows(rpc_url: str, deployer, manifest) -> None:
    """Let demo campaigns use a one-minute challenge window (the escrow's default minimum is an hour).

    The settlement step moves anvil's clock past the window; a short window keeps the
    chain's clock near the wall clock, which signature deadlines and sign-ins are read
    against, even when the demo runs again on the kept chain.
    """
    from web3 import Web3
    from web3.middleware import SignAndSendRawMiddlewareBuilder

    from contracts import load_artifact

    w3 = Web3(Web3.HTTPProvider(rpc_url))
    w3.middleware_onion.inject(SignAndSendRawMiddlewareBuilder.build(deployer), layer=0)
    escrow = w3.eth.contract(address=manifest.address("CampaignEscrow"), abi=load_artifact("CampaignEscrow").abi)
    params = escrow.functions.params().call()
    if params[3] != DEMO_CHALLENGE_WINDOW:
        wanted = (*params[:3], DEMO_CHALLENGE_WINDOW, params[4])
        w3.eth.wait_for_transaction_receipt(escrow.functions.setParams(wanted).transact({"from": deployer.address}))


def _gas_faucet(rpc_url: str, deployer):
    """Give a new custodial address native currency for gas (anvil charges gas; Besu runs free)."""
    from web3 import Web3

    w3 = Web3(Web3.HTTPProvider(rpc_url))

    def fund(address: str) -> None:
        w3.provider.make_request("anvil_setBalance", [address, hex(10**18)])

    return fund


if __name__ == "__main__":
    main()
