"""Playwright in Debian's Chromium (no browser download), a test EIP-1193 wallet, axe-core, screenshots.

The wallet is `window.ethereum` injected before any page script runs; it answers account
and chain questions itself and hands ``personal_sign``, ``eth_signTypedData_v4`` and
``eth_signTransaction`` to Python, where eth-account signs with a development key. Given a
chain (`w3`), it forwards the read-only calls a wallet's node answers (eth_call, estimates,
nonces, blocks, fees) to it, as MetaMask forwards them to its RPC; it never sends a
transaction itself. The page never sees the key.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

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
  const READS = ["eth_blockNumber", "eth_call", "eth_estimateGas", "eth_feeHistory", "eth_gasPrice", "eth_getBalance",
    "eth_getBlockByNumber", "eth_getCode", "eth_getTransactionByHash", "eth_getTransactionCount",
    "eth_getTransactionReceipt", "eth_maxPriorityFeePerGas"];
  // Python answers {result} or {error: {code, message}} (4001: the user declined), thrown as EIP-1193 errors.
  const answer = (reply) => {
    if (reply && reply.error) throw Object.assign(new Error(reply.error.message), { code: reply.error.code, data: reply.error.data });
    return reply.result;
  };
  window.ethereum = {
    isTestWallet: true,
    async request({ method, params }) {
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts": return [account];
        case "eth_chainId": return chainId;
        case "net_version": return String(parseInt(chainId, 16));
        case "personal_sign": return answer(await window.testWalletSign(params[0], params[1]));
        case "eth_signTypedData_v4": return answer(await window.testWalletSignTypedData(params[0], params[1]));
        case "eth_signTransaction": return answer(await window.testWalletSignTransaction(params[0]));
        default:
          if (READS.includes(method) && window.testWalletRpc) return answer(await window.testWalletRpc(method, params ?? []));
          throw Object.assign(new Error(`test wallet: ${method} is not supported`), { code: 4200 });
      }
    },
    on() {}, removeListener() {},
  };
})();
"""


DECLINED = {"code": 4001, "message": "User denied the signature (test wallet)."}
_QUANTITIES = ("chainId", "gas", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "nonce", "value", "type")


@dataclass
class InjectedWallet:
    """What the injected wallet did: `signed` (messages as text, typed data as ``typed:<primaryType>``,
    transactions as ``tx:<to>:<selector>``), `transactions` (the raw signed ones) and `typed` (the
    payloads); it declines the methods named in `decline` (code 4001)."""

    signed: list[str]
    transactions: list[str] = field(default_factory=list)
    typed: list[dict] = field(default_factory=list)
    decline: set[str] = field(default_factory=set)


def _answering(function):
    """A wallet method whose failure reaches the page as an EIP-1193 error (-32603) with its message."""

    def answer(*args):
        try:
            return function(*args)
        except Exception as exc:  # noqa: BLE001 -- the page shows it, the test then fails on what it shows
            return {"error": {"code": -32603, "message": f"test wallet: {exc}"}}

    return answer


def install_wallet(context, wallet: LocalAccount, chain_id: int, signed: list[str], w3=None) -> InjectedWallet:
    """`window.ethereum` backed by `wallet`; each message it signs is appended to `signed`; with
    `w3`, read-only node calls go to that chain."""
    state = InjectedWallet(signed)

    def mine(address: str) -> None:
        assert address.lower() == wallet.address.lower(), address

    def sign(message_hex: str, address: str) -> dict:
        mine(address)
        if "personal_sign" in state.decline:
            return {"error": DECLINED}
        message = encode_defunct(hexstr=message_hex)
        signed.append(bytes.fromhex(message_hex[2:]).decode("utf-8", "replace"))
        return {"result": wallet.sign_message(message).signature.to_0x_hex()}

    def sign_typed_data(address: str, payload: str) -> dict:
        mine(address)
        if "eth_signTypedData_v4" in state.decline:
            return {"error": DECLINED}
        message = json.loads(payload)
        state.typed.append(message)
        signed.append(f"typed:{message['primaryType']}")
        return {"result": Account.sign_typed_data(wallet.key, full_message=message).signature.to_0x_hex()}

    def sign_transaction(request: dict) -> dict:
        mine(request["from"])
        if "eth_signTransaction" in state.decline:
            return {"error": DECLINED}
        transaction = {key: int(value, 16) for key, value in request.items() if key in _QUANTITIES}
        transaction |= {"to": to_checksum_address(request["to"]), "data": request.get("data", "0x")}
        if transaction.get("type") == 0:
            del transaction["type"]
        raw = wallet.sign_transaction(transaction).raw_transaction.to_0x_hex()
        state.transactions.append(raw)
        signed.append(f"tx:{request['to']}:{transaction['data'][:10]}")
        return {"result": raw}

    def rpc(method: str, params: list) -> dict:
        reply = w3.provider.make_request(method, params)
        return {"result": reply["result"]} if "error" not in reply else {"error": reply["error"]}

    context.expose_function("testWalletSign", _answering(sign))
    context.expose_function("testWalletSignTypedData", _answering(sign_typed_data))
    context.expose_function("testWalletSignTransaction", _answering(sign_transaction))
    if w3 is not None:
        context.expose_function("testWalletRpc", _answering(rpc))
    context.add_init_script(PROVIDER % {"address": json.dumps(wallet.address), "chain": json.dumps(hex(chain_id))})
    return state


def needs_page(bundle: Path) -> list:
    """The marks of a browser test of the page whose bundle is `bundle`: skipped, saying why, without
    Debian's Chromium or the built bundle."""
    import pytest

    return [
        pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (make system-tools)"),
        pytest.mark.skipif(not Path(bundle).exists(), reason="the page bundle is not built (make web)"),
    ]


def record_page_errors(page, errors: list[str]) -> list[str]:
    """Append the page's script errors and console errors to `errors`. The API's refusals a test
    provokes log "Failed to load resource": those are answers the page shows, not errors."""
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


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
