"""Who is calling, and what each route lets them do.

    credentials (Authorization: Bearer <key> | X-API-Key: <key>)
      -> Principal: one participant acting as one role (the credential's scope)
        -> AccessPolicy of the route: Access(roles, owner, all_tenants, pending_ok) or Public
          -> Grant: the principal, plus the owned resource the route acts on

Every route under /v1 declares exactly one policy, either in the decorator
(``dependencies=[require_roles(...)]``) or as a parameter
(``grant: Annotated[Grant, require_roles(...)]``). The policy is an object whose
``roles``, ``owner`` and ``all_tenants`` a test can read, so the authorization matrix
in ``tests/api`` enumerates ``app.routes`` and covers routes added later as well.

Refusals: 401 when the credential is missing, unknown, revoked or expired; 403 for a
role the route does not admit, a suspended participant, a pending one, or one whose
KYC has expired; 404 for a resource of another tenant, the same answer as for a
resource that does not exist, so ids of others cannot be probed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.sql import ColumnElement, Select
from sqlmodel import Session

from backend.api.deps import SessionDep
from backend.api.errors import ApiError
from backend.identity.api_keys import CredentialError, verify_key
from backend.identity.credential_cache import credentials
from backend.identity.models import ApiKey, Participant, ParticipantStatus, utcnow
from backend.identity.participants import may_act_as
from backend.identity.roles import Role

T = TypeVar("T")


async def request_time() -> datetime:
    """The time a request is judged at (expiries, nonces); tests override this dependency.

    Async: no I/O, so no thread-pool hop. The product page, a plain route, reads the clock
    through `clock_of` instead.
    """
    return utcnow()


def clock_of(request: Request) -> datetime:
    """`request_time` outside dependency injection, honouring a test's (sync) override of it."""
    override = request.app.dependency_overrides.get(request_time)
    return utcnow() if override is None else override()


NowDep = Annotated[datetime, Depends(request_time)]

bearer_scheme = HTTPBearer(auto_error=False, description="an API key or a SIWE session token")
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False, description="an API key")


@dataclass(frozen=True)
class Principal:
    """The caller: one participant, acting in the one role its credential is scoped to."""

    participant: Participant
    role: Role
    credential: ApiKey


async def current_principal(
    session: SessionDep,
    now: NowDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    api_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Principal:
    """Async: a credential verified within the last seconds comes from the process's cache
    (``backend/identity/credential_cache``: no query, no thread hop); otherwise the database
    is asked in the thread pool and a success is remembered."""
    presented = bearer.credentials if bearer is not None else api_key
    if not presented:
        raise ApiError(401, "unauthenticated", "send an API key as 'Authorization: Bearer <key>' or 'X-API-Key'")
    database = str(session.bind.url) if session.bind is not None else ""
    found = credentials.lookup(session, database, presented, now)
    if found is None:
        try:
            found = await run_in_threadpool(verify_key, session, presented, now)
        except CredentialError as exc:
            raise ApiError(401, exc.code, exc.message) from None
        credentials.remember(database, *found)
    credential, participant = found
    # Checked on every request against the rows as read: any change this process flushes
    # clears the cache at once; one made by another process counts within its TTL.
    if participant.status == ParticipantStatus.SUSPENDED:
        raise ApiError(403, "participant_suspended", "this participant is suspended")
    role = Role(credential.role)
    if not may_act_as(participant, role):
        raise ApiError(403, "role_not_granted", f"this participant does not hold the role {role.value}")
    return Principal(participant=participant, role=role, credential=credential)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def current_participant(principal: CurrentPrincipal) -> Participant:
    # async: no I/O, so no thread-pool hop
    return principal.participant


CurrentParticipant = Annotated[Participant, Depends(current_participant)]


@dataclass(frozen=True)
class Owner:
    """The resource a route acts on: a row of `model` found by the path parameter `param`,
    owned by the participant whose id is in its column `owner_field`."""

    model: type
    param: str
    owner_field: str = "participant_id"


@dataclass(frozen=True)
class Grant(Generic[T]):
    """What an access policy let through: the caller and, for owned routes, the loaded resource."""

    principal: Principal
    resource: T
    all_tenants: bool  # the caller's role sees and acts on every participant's resources

    @property
    def participant(self) -> Participant:
        return self.principal.participant


class AccessPolicy:
    """Base of the route policies; `public` policies take no credentials."""

    public: bool = False
    roles: frozenset[Role] = frozenset()
    owner: Owner | None = None
    all_tenants: frozenset[Role] = frozenset()
    pending_ok: bool = False


class Public(AccessPolicy):
    """Anyone, without credentials (onboarding, SIWE nonce and login)."""

    public = True

    def __call__(self) -> None:
        return None

    def __repr__(self) -> str:
        return "Public()"


class Access(AccessPolicy):
    """Admits principals whose role is in `roles`; for an `owner` route, only on their own resource
    unless their role is in `all_tenants`. Pending applicants only where `pending_ok`."""

    def __init__(
        self,
        roles: Iterable[Role],
        *,
        owner: Owner | None = None,
        all_tenants: Iterable[Role] = (),
        pending_ok: bool = False,
    ):
        self.roles = frozenset(roles)
        self.owner = owner
        self.all_tenants = frozenset(all_tenants)
        self.pending_ok = pending_ok
        if not self.roles:
            raise ValueError("an Access policy admits at least one role; use public() for anonymous routes")
        if not self.all_tenants <= self.roles:
            raise ValueError("all_tenants roles must also be admitted roles")

    def __repr__(self) -> str:
        names = ",".join(sorted(role.value for role in self.roles))
        return f"Access(roles={names}, owner={self.owner.model.__name__ if self.owner else None})"

    async def __call__(self, request: Request, session: SessionDep, principal: CurrentPrincipal, now: NowDep) -> Grant:
        # Async: only an owner route touches the database here, and it does so in the thread
        # pool; every other route skips a thread-pool hop.
        if principal.role not in self.roles:
            raise ApiError(403, "role_not_allowed", f"the role {principal.role.value} may not call this endpoint")
        participant = principal.participant
        if not self.pending_ok:
            if participant.status == ParticipantStatus.PENDING:
                raise ApiError(403, "participant_pending", "this participant has not been approved yet")
            expiry = participant.kyc_expires_at
            if principal.role.on_chain and expiry is not None and expiry <= now:
                raise ApiError(403, "kyc_expired", "this participant's KYC has expired")
        all_tenants = principal.role in self.all_tenants
        resource = None
        if self.owner is not None:
            raw_id = request.path_params.get(self.owner.param)
            resource = await run_in_threadpool(load_owned, session, self.owner, raw_id, principal, all_tenants)
        return Grant(principal=principal, resource=resource, all_tenants=all_tenants)


def require_roles(
    *roles: Role, owner: Owner | None = None, all_tenants: Iterable[Role] = (), pending_ok: bool = False
) -> Any:
    """The dependency a route declares: ``dependencies=[require_roles(Role.ADMIN)]`` or
    ``grant: Annotated[Grant, require_roles(Role.ADVERTISER, owner=Owner(Campaign, "campaign_id"))]``."""
    return Depends(Access(roles, owner=owner, all_tenants=all_tenants, pending_ok=pending_ok))


def public() -> Any:
    return Depends(Public())


def load_owned(session: Session, owner: Owner, raw_id: str | None, principal: Principal, all_tenants: bool) -> Any:
    """The row named by `raw_id` if the principal may see it; otherwise the same 404 as for a missing row."""
    not_found = ApiError(404, "not_found", f"no {owner.model.__name__.lower()} {raw_id}")
    key_type = owner.model.__table__.primary_key.columns[0].type.python_type
    try:
        key = uuid.UUID(raw_id) if key_type is uuid.UUID else key_type(raw_id)
    except (TypeError, ValueError):
        raise not_found from None
    row = session.get(owner.model, key)
    if row is None or (not all_tenants and getattr(row, owner.owner_field) != principal.participant.id):
        raise not_found
    return row


def tenant_scoped(statement: Select, owner_column: ColumnElement, grant: Grant) -> Select:
    """Restrict a list query to the caller's own rows unless its role sees every tenant."""
    return statement if grant.all_tenants else statement.where(owner_column == grant.participant.id)


def route_policies(route: APIRoute) -> list[AccessPolicy]:
    """Every access policy in a route's dependency tree (a well-formed /v1 route has exactly one)."""

    def walk(dependant) -> Iterator[AccessPolicy]:
        for dependency in dependant.dependencies:
            if isinstance(dependency.call, AccessPolicy):
                yield dependency.call
            yield from walk(dependency)

    return list(dict.fromkeys(walk(route.dependant)))
