"""Cheap chain load for the indexer's tests and benchmark: many events from few transactions.

Transactions are signed locally with anvil's development keys and sent in batched
raw JSON-RPC calls (web3's per-call overhead caps ``transact`` near 60 tx/s).
The ``IndexerLoadEmitter`` test contract emits events with SettlementToken's and
ParticipantRegistry's exact signatures; a manifest registers it under those artifacts.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from eth_account import Account
from web3 import Web3
from web3.contract import Contract

from backend.chain.local_node import dev_private_keys
from contracts import load_artifact
from contracts.deployment import DeployedContract, DeploymentManifest


class RawSender:
    """Signs transactions from one development key and sends them in JSON-RPC batches."""

    def __init__(self, w3: Web3, url: str, key_index: int = 0, gas_price: int = 10 * 10**9):
        self.w3 = w3
        self.url = url
        self.account = Account.from_key(dev_private_keys(key_index + 1)[key_index])
        self.chain_id = w3.eth.chain_id
        self.gas_price = gas_price
        self.nonce = w3.eth.get_transaction_count(self.account.address, "pending")
        self._http = httpx.Client(timeout=120)

    def close(self) -> None:
        self._http.close()

    def send(self, calls: list[tuple[str, str, int]], batch: int = 200, wait: bool = True) -> list[str]:
        """Send (to, data, gas) calls; returns their tx hashes, once all are mined unless `wait` is False."""
        hashes: list[str] = []
        for start in range(0, len(calls), batch):
            requests = []
            for offset, (to, data, gas) in enumerate(calls[start : start + batch]):
                signed = self.account.sign_transaction(
                    {
                        "to": to,
                        "data": data,
                        "gas": gas,
                        "gasPrice": self.gas_price,
                        "nonce": self.nonce,
                        "chainId": self.chain_id,
                        "value": 0,
                    }
                )
                self.nonce += 1
                requests.append(
                    {
                        "jsonrpc": "2.0",
                        "id": start + offset,
                        "method": "eth_sendRawTransaction",
                        "params": [signed.raw_transaction.to_0x_hex()],
                    }
                )
            answers = self._http.post(self.url, json=requests).json()
            errors = [answer["error"] for answer in answers if "error" in answer]
            if errors:
                raise RuntimeError(f"sending failed: {errors[:3]}")
            hashes += [answer["result"] for answer in sorted(answers, key=lambda a: a["id"])]
        if wait:
            self.wait_mined()
        return hashes

    def wait_mined(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while self.w3.eth.get_transaction_count(self.account.address) < self.nonce:
            if time.monotonic() > deadline:
                raise TimeoutError("transactions not mined in time")
            time.sleep(0.02)


def deploy_emitter(w3: Web3) -> tuple[Contract, int]:
    """A fresh IndexerLoadEmitter and the block it was deployed in."""
    artifact = load_artifact("IndexerLoadEmitter")
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor().transact({"from": w3.eth.accounts[0]}))
    return w3.eth.contract(address=receipt.contractAddress, abi=artifact.abi), receipt.blockNumber


def transfer_calls(
    emitter: Contract, sender: str, recipients: list[str], value: int, events: int, per_tx: int
) -> list[tuple[str, str, int]]:
    """Calls emitting `events` Transfer(sender -> recipients…, value) events, `per_tx` per transaction."""
    calls = []
    for start in range(0, events, per_tx):
        count = min(per_tx, events - start)
        data = emitter.functions.emitTransfers(sender, recipients, value, count)._encode_transaction_data()
        calls.append((emitter.address, data, 60_000 + 2_500 * count))
    return calls


def participant_calls(emitter: Contract, accounts: list[str], roles: int, kyc_expiry: int) -> list[tuple[str, str, int]]:
    data = emitter.functions.emitParticipants(accounts, roles, kyc_expiry)._encode_transaction_data()
    return [(emitter.address, data, 60_000 + 6_000 * len(accounts))]


def write_manifest(path: Path, w3: Web3, entries: dict[str, tuple[str, Contract, int]]) -> DeploymentManifest:
    """A manifest of `entries`: name -> (artifact, contract, deploy block)."""
    contracts = {}
    for name, (artifact, contract, block) in entries.items():
        contracts[name] = DeployedContract(
            artifact=artifact,
            address=contract.address,
            block=block,
            tx_hash="0x" + "00" * 32,
            abi_hash=load_artifact(artifact).abi_hash,
        )
    manifest = DeploymentManifest(chain_id=w3.eth.chain_id, contracts=contracts)
    manifest.save(path)
    return manifest
