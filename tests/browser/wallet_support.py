"""Playwright in Debian's Chromium (no browser download), a test EIP-1193 wallet, axe-core, screenshots.

The wallet is `window.ethereum` injected before any page script runs; it answers account
and chain questions itself and hands ``personal_sign`` to Python, where eth-account signs
with a development key. The page never sees the key.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BUNDLE = ROOT / "backend" / "web" / "static" / "dist" / "consumer.js"
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
PHONE = {"width": 390, "height": 844}

PROVIDER = """
(() => {
  const account = %(address)s;
  const chainId = %(chain)s;
  window.ethereum = {
    isTestWallet: true,
    async request({ method, params }) {
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts": return [account];
        case "eth_chainId": return chainId;
        case "net_version": return String(parseInt(chainId, 16));
        case "personal_sign": return await window.testWalletSign(params[0], params[1]);
        // Reads go to the wallet's node, as a real wallet's do (only when the test gave it one).
        case "eth_call": case "eth_blockNumber": case "eth_getCode": case "eth_getBalance":
          if (window.testWalletRpc) return await window.testWalletRpc(method, params);
          throw Object.assign(new Error(`test wallet: no node for ${method}`), { code: 4200 });
        default: throw Object.assign(new Error(`test wallet: ${method} is not supported`), { code: 4200 });
      }
    },
    on() {}, removeListener() {},
  };
})();
"""


def install_wallet(context, wallet: LocalAccount, chain_id: int, signed: list[str], rpc_url: str | None = None) -> None:
    """`window.ethereum` backed by `wallet`; each message it signs is appended to `signed`. With
    `rpc_url`, the wallet answers reads (eth_call, ...) from that node."""

    def sign(message_hex: str, address: str) -> str:
        assert address.lower() == wallet.address.lower(), address
        message = encode_defunct(hexstr=message_hex)
        signed.append(bytes.fromhex(message_hex[2:]).decode("utf-8", "replace"))
        return wallet.sign_message(message).signature.to_0x_hex()

    context.expose_function("testWalletSign", sign)
    if rpc_url is not None:
        def rpc(method: str, params: list) -> object:
            answer = httpx.post(rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, timeout=30).json()
            if "error" in answer:
                raise RuntimeError(answer["error"].get("message", "node error"))
            return answer["result"]

        context.expose_function("testWalletRpc", rpc)
    context.add_init_script(PROVIDER % {"address": json.dumps(wallet.address), "chain": json.dumps(hex(chain_id))})


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations of the page as it is now (WCAG 2.x A/AA rules)."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}))"
        ".violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    return [violation for violation in result if violation["impact"] in ("serious", "critical")]


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000
    return path
