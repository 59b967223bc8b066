"""Helpers for API tests: identities made straight in the database, fakes of the chain services,
SIWE messages signed by test wallets."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from sqlmodel import Session
from web3 import Web3

from backend.core.db import engine_for
from backend.identity.api_keys import issue_key
from backend.identity.models import CustodyMode, Participant, ParticipantStatus, utcnow
from backend.identity.roles import Role, roles_to_mask
from backend.identity.siwe import SiweMessage
from contracts import load_artifact

CHAIN_ID = 31337
BASE_URL = "http://testserver"
DOMAIN = "testserver"

# Run a test on the embedded SQLite and on a fresh PostgreSQL database.
BOTH_DATABASES = pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@dataclass(frozen=True)
class Identity:
    """A participant and one credential of it, as the API sees a caller."""

    participant_id: uuid.UUID
    address: str
    role: Role
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def create_identity(
    database_url: str,
    *roles: Role,
    key_role: Role | None = None,
    status: ParticipantStatus = ParticipantStatus.APPROVED,
    kyc_expires_at: datetime | None = None,
    address: str | None = None,
    name: str = "test participant",
) -> Identity:
    """Insert a participant holding `roles` (or requesting them, when pending) and a key for `key_role`."""
    key_role = key_role or roles[0]
    mask = roles_to_mask(roles)
    approved = status != ParticipantStatus.PENDING
    with Session(engine_for(database_url)) as session:
        participant = Participant(
            display_name=name,
            roles=mask if approved else 0,
            requested_roles=mask,
            chain_address=address or Account.create().address,
            custody_mode=CustodyMode.CUSTODIAL,
            status=status,
            kyc_expires_at=(kyc_expires_at or utcnow() + timedelta(days=365)) if approved else None,
            approved_at=utcnow() if approved else None,
        )
        session.add(participant)
        session.flush()
        issued = issue_key(session, participant, key_role)
        session.commit()
        return Identity(participant.id, participant.chain_address, key_role, issued.secret)


@dataclass
class RecordingOutbox:
    """Stands in for backend.chain.outbox.enqueue: records what would be sent."""

    calls: list[dict] = field(default_factory=list)

    def __call__(self, session, *, sender, to, data, value=0, kind, reference=None, gas=None):
        self.calls.append(dict(sender=sender, to=to, data=data, value=value, kind=kind, reference=reference, gas=gas))
        return len(self.calls)

    def decoded(self) -> list[tuple[str, dict]]:
        """(function name, arguments) of every queued call, decoded with the registry's ABI."""
        registry = Web3().eth.contract(abi=load_artifact("ParticipantRegistry").abi)
        result = []
        for call in self.calls:
            function, args = registry.decode_function_input(call["data"])
            result.append((function.fn_name, dict(args)))
        return result


@dataclass
class FakeCustody:
    """Stands in for backend.keys.custody.create_custodial_key: a fresh address per owner."""

    owners: dict[str, str] = field(default_factory=dict)

    def __call__(self, session, owner_ref: str) -> str:
        self.owners[owner_ref] = Account.create().address
        return self.owners[owner_ref]


def siwe_message(
    account: LocalAccount,
    nonce: str,
    *,
    domain: str = DOMAIN,
    uri: str = BASE_URL + "/login",
    chain_id: int = CHAIN_ID,
    issued_at: datetime | None = None,
    **terms,
) -> SiweMessage:
    return SiweMessage(
        domain=domain,
        address=account.address,
        uri=uri,
        chain_id=chain_id,
        nonce=nonce,
        issued_at=issued_at or utcnow(),
        statement="Sign in to trustledger.",
        **terms,
    )


def signed(message: SiweMessage, account: LocalAccount) -> dict[str, str]:
    text = message.to_text()
    signature = account.sign_message(encode_defunct(text=text)).signature.to_0x_hex()
    return {"message": text, "signature": signature}


def random_nonce() -> str:
    return secrets.token_hex(16)
