"""The QBFT genesis: every fork through Cancun from block 0, free gas, validators in extraData.

``contracts/compiler.py`` pins ``evmVersion`` to cancun, so the chain must run the
Cancun EVM from its first block: the block-numbered forks are all at 0 and the
timestamped ones (Shanghai, Cancun) at time 0. ``zeroBaseFee`` keeps the London fee
market but with a base fee of 0, which with ``min-gas-price=0`` on every node makes
gas free; the alternative (staying pre-London) would cap the EVM at Berlin.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from backend.chain_config.extra_data import encode_qbft_extra_data

# Istanbul-BFT block identification, required in QBFT genesis files.
QBFT_MIX_HASH = "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365"
BLOCK_FORKS = (
    "homesteadBlock",
    "eip150Block",
    "eip155Block",
    "eip158Block",
    "byzantiumBlock",
    "constantinopleBlock",
    "petersburgBlock",
    "istanbulBlock",
    "muirGlacierBlock",
    "berlinBlock",
    "londonBlock",
    "arrowGlacierBlock",
    "grayGlacierBlock",
)
TIME_FORKS = ("shanghaiTime", "cancunTime")
GAS_LIMIT = 0x1FFFFFFFFFFFFF  # gas is free; the limit only bounds a block's work


def build_genesis(
    chain_id: int,
    validators: Sequence[str],
    alloc: Mapping[str, int],
    block_period_seconds: int = 2,
    epoch_length: int = 30_000,
) -> dict:
    """A Besu QBFT genesis. ``validators`` are sorted ascending; ``alloc`` maps address -> wei."""
    if chain_id <= 0:
        raise ValueError("chain id must be positive")
    if block_period_seconds <= 0 or epoch_length <= 0:
        raise ValueError("block period and epoch length must be positive")
    if not validators:
        raise ValueError("a QBFT network needs at least one validator")
    config: dict = {"chainId": chain_id}
    config.update({fork: 0 for fork in BLOCK_FORKS})
    config.update({fork: 0 for fork in TIME_FORKS})
    config["zeroBaseFee"] = True
    config["qbft"] = {
        "blockperiodseconds": block_period_seconds,
        "epochlength": epoch_length,
        # Besu's tuning advice: start at twice the block period.
        "requesttimeoutseconds": 2 * block_period_seconds,
    }
    return {
        "config": config,
        "nonce": "0x0",
        "timestamp": "0x0",
        "gasLimit": hex(GAS_LIMIT),
        "difficulty": "0x1",
        "mixHash": QBFT_MIX_HASH,
        "coinbase": "0x" + "00" * 20,
        "extraData": encode_qbft_extra_data(sorted(validators, key=str.lower)),
        "alloc": {
            address.lower().removeprefix("0x"): {"balance": hex(wei)} for address, wei in sorted(alloc.items())
        },
    }
