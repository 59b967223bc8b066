"""Settlement tokens: the escrow's allowlist, its admin changes, and the test-token faucet."""

from __future__ import annotations

import uuid
from typing import Annotated

from eth_utils import to_checksum_address
from fastapi import APIRouter, Depends

from backend.api.auth import Access, Grant, Owner, public
from backend.api.deps import SessionDep, SettingsDep
from backend.api.errors import ApiError
from backend.api.idempotency import idempotent
from backend.campaigns import tokens
from backend.campaigns.chain import ESCROW, deployed_tokens
from backend.campaigns.mirror import mirror_for
from backend.campaigns.schemas import MintRequest, TokenBalancePublic, TokenConfigUpdate, TokenOperation, TokenPublic
from backend.campaigns.submission import ChainWriter
from backend.identity.models import Participant
from backend.identity.ports import Enqueue, outbox_enqueue
from backend.identity.roles import ALL_ROLES, Role
from contracts.deployment import DeploymentManifest, ManifestError

router = APIRouter(prefix="/tokens", tags=["tokens"])

admins = Access([Role.ADMIN])
THE_PARTICIPANT = Owner(Participant, "participant_id", owner_field="id")
balance_readers = Access(ALL_ROLES, owner=THE_PARTICIPANT, all_tenants=[Role.ADMIN])
AdminGrant = Annotated[Grant, Depends(admins)]
EnqueueDep = Annotated[Enqueue, Depends(outbox_enqueue)]


@router.get("", dependencies=[public()])
def list_tokens(session: SessionDep, settings: SettingsDep) -> list[TokenPublic]:
    """Every settlement token deployed, whether the escrow takes it, its platform fee and challenge bond."""
    try:
        escrow = DeploymentManifest.load(settings.manifest_path).contracts.get(ESCROW)
    except ManifestError:
        escrow = None
    mirror = mirror_for(session, settings)
    return tokens.token_list(mirror, escrow.address if escrow else None, deployed_tokens(settings))


@router.get("/balances/{participant_id}")
def read_balances(
    participant_id: uuid.UUID,
    grant: Annotated[Grant[Participant], Depends(balance_readers)],
    session: SessionDep,
    settings: SettingsDep,
) -> list[TokenBalancePublic]:
    """A participant's wallet balance of every settlement token (as mirrored)."""
    return tokens.balances(mirror_for(session, settings), deployed_tokens(settings), grant.resource.chain_address)


@router.put("/{symbol}")
@idempotent
def configure_token(
    symbol: str,
    body: TokenConfigUpdate,
    grant: AdminGrant,
    session: SessionDep,
    settings: SettingsDep,
    enqueue: EnqueueDep,
) -> TokenOperation:
    """Allow or disallow a token for new campaigns and funding, with its fee and bond; queues setTokenConfig."""
    writer = ChainWriter(session, settings, enqueue)
    token = tokens.token_named(writer.target, symbol)
    return tokens.configure_token(
        session, writer.target, enqueue, token, allowed=body.allowed, fee_bps=body.fee_bps,
        challenge_bond=body.challenge_bond,
    )


@router.post("/{symbol}/mint", status_code=202)
@idempotent
def mint(
    symbol: str,
    body: MintRequest,
    grant: AdminGrant,
    session: SessionDep,
    settings: SettingsDep,
    enqueue: EnqueueDep,
) -> TokenOperation:
    """Faucet for development and demos: the issuer (deployer key) mints test tokens to a participant or an
    address, and sends `gas_wei` of native currency with them where the chain charges gas."""
    if body.participant_id is not None:
        recipient = session.get(Participant, body.participant_id)
        if recipient is None:
            raise ApiError(404, "not_found", f"no participant {body.participant_id}")
        if recipient.chain_address is None:
            raise ApiError(409, "no_chain_address", "this participant has no chain address yet")
        to = recipient.chain_address
    else:
        to = body.address
    writer = ChainWriter(session, settings, enqueue)
    token = tokens.token_named(writer.target, symbol)
    return tokens.mint(
        session, writer.target, enqueue, token, to=to_checksum_address(to), amount=body.amount, gas_wei=body.gas_wei
    )
