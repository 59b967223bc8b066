"""Helpers of the sender suite: settings for the test chain, calldata, what the chain and the DB hold."""

from __future__ import annotations

from sqlmodel import Session, select
from web3 import Web3

from backend.chain.local_node import dev_private_keys
from backend.chain.outbox import OutboxTransaction
from backend.core.config import Settings
from backend.core.db import engine_for
from backend.keys import MasterKey

DEV_KEYS = dev_private_keys(20)
DEPLOYER, RELAYER = DEV_KEYS[0], DEV_KEYS[1]
MASTER = MasterKey(bytes(range(32)))


def make_settings(database_url: str, rpc_url: str) -> Settings:
    """Settings whose platform keys are anvil accounts 0 (deployer, the token issuer) and 1 (relayer)."""
    return Settings(
        environment="test",
        database_url=database_url,
        rpc_url=rpc_url,
        deployer_private_key=DEPLOYER,
        relayer_private_key=RELAYER,
        master_key=MASTER.to_base64(),
    )


def calldata(contract, function: str, *args) -> bytes:
    return bytes(Web3.to_bytes(hexstr=contract.encode_abi(function, args=list(args))))


def outbox_rows(database_url: str) -> list[OutboxTransaction]:
    with Session(engine_for(database_url)) as session:
        return list(session.exec(select(OutboxTransaction).order_by(OutboxTransaction.id)).all())


def transactions_from(w3: Web3, sender: str, first_block: int) -> list[dict]:
    """Every transaction `sender` has on chain from `first_block` to the head."""
    found = []
    for number in range(first_block, w3.eth.block_number + 1):
        for tx in w3.eth.get_block(number, full_transactions=True)["transactions"]:
            if tx["from"] == sender:
                found.append(tx)
    return found
