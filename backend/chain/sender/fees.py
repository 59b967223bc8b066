"""Fees for the next transactions, read from the chain.

EIP-1559 where the chain has a base fee (anvil): tip = eth_maxPriorityFeePerGas, cap =
2 x base fee + tip, which survives six full blocks of base-fee growth. Chains without
a base fee (Besu with free gas) get a legacy gas price from eth_gasPrice, which is 0 there.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.chain.sender.rpc import JsonRpc


@dataclass(frozen=True)
class Fees:
    max_fee_per_gas: int | None = None
    max_priority_fee_per_gas: int | None = None
    gas_price: int | None = None

    @property
    def is_eip1559(self) -> bool:
        return self.max_fee_per_gas is not None

    def fields(self) -> dict[str, int]:
        if self.is_eip1559:
            return {"maxFeePerGas": self.max_fee_per_gas, "maxPriorityFeePerGas": self.max_priority_fee_per_gas}
        return {"gasPrice": self.gas_price}

    def bumped(self, percent: int, floor: Fees) -> Fees:
        """Fees for a replacement: at least `percent` above these (nodes want >= 10%) and at least `floor`."""

        def bump(old: int | None, current: int | None) -> int:
            return max((old or 0) * (100 + percent) // 100 + 1, current or 0)

        if self.is_eip1559:
            return Fees(
                max_fee_per_gas=bump(self.max_fee_per_gas, floor.max_fee_per_gas),
                max_priority_fee_per_gas=bump(self.max_priority_fee_per_gas, floor.max_priority_fee_per_gas),
            )
        return Fees(gas_price=bump(self.gas_price, floor.gas_price))


def quote_fees(rpc: JsonRpc) -> Fees:
    block, tip, gas_price = rpc.batch(
        [("eth_getBlockByNumber", ["latest", False]), ("eth_maxPriorityFeePerGas", []), ("eth_gasPrice", [])]
    )
    base_fee = block.get("baseFeePerGas") if isinstance(block, dict) else None
    if base_fee is None or not isinstance(tip, str):
        return Fees(gas_price=int(gas_price, 16) if isinstance(gas_price, str) else 0)
    tip_wei = int(tip, 16)
    return Fees(max_fee_per_gas=2 * int(base_fee, 16) + tip_wei, max_priority_fee_per_gas=tip_wei)
