"""The settlement tokens: the allowlist as the mirror knows it, its admin changes, and the faucet.

Tokens are SettlementToken contracts from the manifest; whether the escrow takes one,
and at what fee and challenge bond, comes from the mirror (TokenConfigured). The
deployer key is the tokens' issuer and an escrow admin, so it signs setTokenConfig and
mint. The faucet is how advertisers get test tokens on anvil and in the demo; on a
chain that charges gas it can also send native currency, because custodial keys start
empty (Besu runs free gas and needs none).
"""

from __future__ import annotations

from sqlmodel import Session

from backend.campaigns.errors import TokenNotFound
from backend.campaigns.chain import (
    ESCROW,
    TOKEN_DECIMALS,
    EscrowTarget,
    TokenEntry,
    escrow_call,
    find_token,
    token_call,
)
from backend.campaigns.mirror import Mirror
from backend.campaigns.schemas import TokenBalancePublic, TokenOperation, TokenPublic
from backend.identity.ports import Enqueue


def token_list(mirror: Mirror, escrow: str | None, tokens: list[TokenEntry]) -> list[TokenPublic]:
    result = []
    for token in tokens:
        config = mirror.token_config(escrow, token.address) if escrow else None
        result.append(
            TokenPublic(
                symbol=token.symbol,
                name=token.name,
                address=token.address,
                decimals=TOKEN_DECIMALS,
                allowed=bool(config and config.allowed),
                fee_bps=config.fee_bps if config else None,
                challenge_bond=config.challenge_bond if config else None,
            )
        )
    return result


def token_named(target: EscrowTarget, symbol: str) -> TokenEntry:
    token = find_token(list(target.tokens), symbol)
    if token is None:
        raise TokenNotFound(f"no settlement token {symbol!r}")
    return token


def configure_token(
    session: Session, target: EscrowTarget, enqueue: Enqueue, token: TokenEntry, *, allowed: bool, fee_bps: int,
    challenge_bond: int,
) -> TokenOperation:
    """Queue setTokenConfig; running campaigns keep the fee and bond they were created with."""
    row = enqueue(
        session,
        sender=target.admin,
        to=target.escrow,
        data=escrow_call("setTokenConfig", token.address, allowed, fee_bps, challenge_bond),
        kind=f"{ESCROW}.setTokenConfig",
        reference=f"token:{token.symbol}",
    )
    session.flush()
    return TokenOperation(token=token.symbol, to=None, amount=None, outbox_ids=[row.id])


def mint(
    session: Session, target: EscrowTarget, enqueue: Enqueue, token: TokenEntry, *, to: str, amount: int, gas_wei: int
) -> TokenOperation:
    """Queue mint(to, amount) from the issuer and, when asked, a plain transfer of `gas_wei` to `to`."""
    reference = f"faucet:{to}"
    rows = [
        enqueue(
            session,
            sender=target.admin,
            to=token.address,
            data=token_call("mint", to, amount),
            kind="SettlementToken.mint",
            reference=reference,
        )
    ]
    if gas_wei:
        rows.append(
            enqueue(
                session,
                sender=target.admin,
                to=to,
                data=b"",
                value=gas_wei,
                kind="native.transfer",
                reference=reference,
            )
        )
    session.flush()
    return TokenOperation(token=token.symbol, to=to, amount=amount, outbox_ids=[row.id for row in rows])


def balances(mirror: Mirror, tokens: list[TokenEntry], holder: str | None) -> list[TokenBalancePublic]:
    if holder is None:
        return []
    return [
        TokenBalancePublic(
            symbol=token.symbol, address=token.address, holder=holder, balance=mirror.balance(token.address, holder)
        )
        for token in tokens
    ]
