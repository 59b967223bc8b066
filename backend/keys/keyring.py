"""Find the signing account for a sender address: platform keys first, then custodial keys."""

from __future__ import annotations

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from sqlmodel import Session

from backend.core.config import Settings, get_settings
from backend.keys.custody import custodial_key_row, open_key
from backend.keys.errors import UnknownSigner
from backend.keys.master import MasterKey


def platform_accounts(settings: Settings) -> dict[str, LocalAccount]:
    """The platform's own keys from settings (deployer/admin, relayer, attester), by checksum address."""
    accounts: dict[str, LocalAccount] = {}
    for secret in (settings.deployer_private_key, settings.relayer_private_key, settings.attester_private_key):
        if secret is not None:
            account = Account.from_key(secret.get_secret_value())
            accounts[account.address] = account
    return accounts


def signer_for(
    session: Session, address: str, *, settings: Settings | None = None, master: MasterKey | None = None
) -> LocalAccount:
    """The account that signs for `address`; raises UnknownSigner when no key is held for it."""
    settings = settings or get_settings()
    address = to_checksum_address(address)
    account = platform_accounts(settings).get(address)
    if account is not None:
        return account
    row = custodial_key_row(session, address)
    if row is None:
        raise UnknownSigner(address)
    return open_key(row, master or MasterKey.from_settings(settings))
