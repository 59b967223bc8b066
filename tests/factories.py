"""Test data factories shared by every suite: deploy contracts, onboard participants, move time."""

from __future__ import annotations

from enum import IntEnum

from web3 import Web3
from web3.contract import Contract

from contracts import load_artifact

DAY = 86_400
TOKEN_UNIT = 10**6  # SettlementToken has 6 decimals


class Role(IntEnum):
    """Mirror of IParticipantRegistry.Role."""

    ADVERTISER = 0
    PUBLISHER = 1
    ATTESTER = 2
    BRAND = 3
    SUPPLY_CHAIN_ACTOR = 4
    AUDITOR = 5


def roles_mask(*roles: Role) -> int:
    mask = 0
    for role in roles:
        mask |= 1 << int(role)
    return mask


def deploy(w3: Web3, name: str, *args, sender: str | None = None) -> Contract:
    """Deploy the compiled contract `name` from an unlocked anvil account."""
    artifact = load_artifact(name)
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    tx_hash = factory.constructor(*args).transact({"from": sender or w3.eth.accounts[0]})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt.status == 1, f"deploying {name} failed"
    return w3.eth.contract(address=receipt.contractAddress, abi=artifact.abi)


def transact(fn, sender: str):
    """Send a contract call from `sender` and return its successful receipt."""
    w3 = fn.w3
    receipt = w3.eth.wait_for_transaction_receipt(fn.transact({"from": sender}))
    assert receipt.status == 1
    return receipt


def now(w3: Web3) -> int:
    return w3.eth.get_block("latest")["timestamp"]


def increase_time(w3: Web3, seconds: int) -> None:
    """Move chain time forward and mine a block; tests never sleep through a window."""
    w3.provider.make_request("evm_increaseTime", [seconds])
    w3.provider.make_request("evm_mine", [])


def onboard(registry: Contract, account: str, *roles: Role, kyc_days: int = 365, admin: str | None = None) -> None:
    """Give `account` roles and a KYC valid for `kyc_days` from the current chain time."""
    w3 = registry.w3
    admin = admin or w3.eth.accounts[0]
    transact(registry.functions.setRoles(account, roles_mask(*roles)), admin)
    transact(registry.functions.setKyc(account, now(w3) + kyc_days * DAY), admin)


def custom_error(contract: Contract, error) -> str:
    """Name of the custom error in a ContractCustomError raised by `contract` (or a selector if unknown)."""
    data = error.data if isinstance(error.data, str) else str(error.message)
    selector = data[2:10]
    for item in contract.abi:
        if item["type"] == "error":
            signature = f"{item['name']}({','.join(i['type'] for i in item['inputs'])})"
            if Web3.keccak(text=signature).hex()[:8] == selector:
                return item["name"]
    return "0x" + selector


def revert_name(contract: Contract, exc_info) -> str:
    """`custom_error` for a pytest.raises ExceptionInfo."""
    return custom_error(contract, exc_info.value)


def assert_reverts(call, sender: str, contract: Contract, error_name: str) -> tuple:
    """Send `call` from `sender`, expect `contract`'s custom error `error_name`; return the error's arguments."""
    from eth_abi import decode
    from web3.exceptions import ContractCustomError

    try:
        call.transact({"from": sender})
    except ContractCustomError as error:
        name = custom_error(contract, error)
        assert name == error_name, f"reverted with {name}, expected {error_name}"
        (item,) = [i for i in contract.abi if i["type"] == "error" and i["name"] == error_name]
        data = error.data if isinstance(error.data, str) else str(error.message)
        return tuple(decode([i["type"] for i in item["inputs"]], bytes.fromhex(data[10:])))
    raise AssertionError(f"expected {error_name}, but the call succeeded")
