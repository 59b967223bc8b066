"""SettlementToken: every transfer, and the balances they add up to."""

from __future__ import annotations

from indexer.models.base import EventRow, MirrorTable, StateRow, address_field, uint256_field


class TokenTransfer(MirrorTable, EventRow, table=True):
    """One ERC-20 Transfer; ``contract`` is the token. Mints come from, burns go to, the zero address."""

    __tablename__ = "chain_token_transfers"

    sender: str = address_field(index=True)
    recipient: str = address_field(index=True)
    value: int = uint256_field()


class TokenBalance(MirrorTable, StateRow, table=True):
    """A holder's balance of one token, in base units."""

    __tablename__ = "chain_token_balances"

    token: str = address_field(primary_key=True)
    holder: str = address_field(primary_key=True)
    balance: int = uint256_field(default=0)


__all__ = ["TokenBalance", "TokenTransfer"]
