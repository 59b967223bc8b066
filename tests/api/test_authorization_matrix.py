"""Every /v1 endpoint × every kind of caller, read from the routes' declared access policies.

Routes added later are covered as soon as they exist: each must declare one policy
(`require_roles(...)`, an `Access`, or `public()`) equal to its line in
tests/api/access_table.py; owned routes must have a factory in tests/api/tenancy.py.
Expected answers: 401 without or with a dead credential, 403 for a
role the policy does not admit, a suspended or a pending participant, 404 for another
tenant's resource, and never a 5xx.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlmodel import Session

from backend.api.auth import Access, AccessPolicy, route_policies
from backend.api.main import create_app
from backend.core.config import Settings
from backend.core.db import engine_for
from backend.identity.models import Participant, ParticipantStatus, utcnow
from backend.identity.roles import Role
from tests.api.access_table import ACCESS, Expect
from tests.api.support import Identity
from tests.api.tenancy import TENANT_RESOURCES

# Refusal codes of the access layer; a 403 with another code is the endpoint's own business rule.
ACCESS_REFUSALS = {"role_not_allowed", "role_not_granted", "participant_suspended", "participant_pending", "kyc_expired"}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    policy: AccessPolicy | None
    policies: int

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


def v1_endpoints(app) -> list[Endpoint]:
    endpoints = []
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute) or not context.path_format.startswith("/v1/"):
            continue
        policies = route_policies(context)
        for method in sorted(context.methods):
            endpoints.append(Endpoint(method, context.path_format, policies[0] if policies else None, len(policies)))
    return endpoints


ENDPOINTS = v1_endpoints(create_app(Settings(database_url="sqlite://")))


def test_every_endpoint_declares_exactly_one_policy():
    assert ENDPOINTS, "no /v1 endpoints found"
    undeclared = [e.name for e in ENDPOINTS if e.policies != 1]
    assert undeclared == [], f"declare exactly one access policy (require_roles / Access / public) on: {undeclared}"
    missing = {e.name: implied_line(e.policy) for e in ENDPOINTS if e.name not in ACCESS}
    assert missing == {}, "add to tests/api/access_table.py:\n" + "\n".join(f'"{n}": {l},' for n, l in missing.items())
    stale = set(ACCESS) - {e.name for e in ENDPOINTS}
    assert stale == set(), f"tests/api/access_table.py lists endpoints that do not exist: {stale}"
    unowned_models = {e.policy.owner.model.__name__ for e in ENDPOINTS if e.policy.owner} - {
        model.__name__ for model in TENANT_RESOURCES
    }
    assert unowned_models == set(), f"add a factory to tests/api/tenancy.py for {unowned_models}"


def declared(policy: AccessPolicy) -> Expect:
    if policy.public:
        return Expect(public=True)
    return Expect(policy.roles, policy.owner.model if policy.owner else None, policy.all_tenants, policy.pending_ok)


def implied_line(policy: AccessPolicy) -> str:
    expect = declared(policy)
    if expect.public:
        return "PUBLIC"
    terms = [f"Role.{role.name}" for role in sorted(expect.roles)]
    if expect.owner:
        terms.append(f"owner={expect.owner.__name__}")
    if expect.all_tenants:
        terms.append(f"all_tenants=({', '.join(f'Role.{r.name}' for r in sorted(expect.all_tenants))},)")
    if expect.pending_ok:
        terms.append("pending_ok=True")
    return f"allow({', '.join(terms)})"


class Callers:
    """Fresh participants for every call, so no call's effect (suspending, revoking) leaks into the next."""

    def __init__(self, api):
        self.api = api
        self.url = api.settings.database_url

    def make(self, role: Role, **options) -> Identity:
        return self.api.identity(role, **options)

    def revoked(self, role: Role) -> Identity:
        identity = self.make(role)
        response = self.api.client.post("/v1/auth/logout", headers=identity.headers)
        assert response.status_code == 204
        return identity

    def resource_of(self, model: type, participant_id: uuid.UUID) -> str:
        with Session(engine_for(self.url)) as session:
            owner = session.get(Participant, participant_id)
            value = TENANT_RESOURCES[model](session, owner)
            session.commit()
            return value


def call(api, endpoint: Endpoint, identity: Identity | None, resource: str | None):
    owner_param = endpoint.policy.owner.param if isinstance(endpoint.policy, Access) and endpoint.policy.owner else None

    def fill(match: re.Match) -> str:
        return resource if match.group(1) == owner_param and resource is not None else str(uuid.uuid4())

    path = re.sub(r"\{([^}:]+)(?::[^}]*)?\}", fill, endpoint.path)
    headers = {"Idempotency-Key": secrets.token_hex(8), **(identity.headers if identity else {})}
    body = {"json": {}} if endpoint.method in {"POST", "PUT", "PATCH"} else {}
    return api.client.request(endpoint.method, path, headers=headers, **body)


def code_of(response) -> str | None:
    try:
        return response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_matrix(api, endpoint: Endpoint):
    policy = endpoint.policy
    if policy is None:
        pytest.fail(f"{endpoint.name} declares no access policy")
    assert declared(policy) == ACCESS.get(endpoint.name), f"{endpoint.name}: policy differs from access_table.py"
    callers = Callers(api)
    owner_model = policy.owner.model if isinstance(policy, Access) and policy.owner else None
    failures: list[str] = []

    def check(label: str, identity: Identity | None, resource: str | None, expect) -> None:
        response = call(api, endpoint, identity, resource)
        problem = expect(response)
        if response.status_code >= 500:
            problem = "server error"
        if problem:
            failures.append(f"{label}: got {response.status_code} {code_of(response)} ({problem})")

    def allowed(response):
        if response.status_code == 401 or (response.status_code == 403 and code_of(response) in ACCESS_REFUSALS):
            return "expected to be let through"
        return None

    def status(expected: int, code: str | None = None):
        def expect(response):
            if response.status_code != expected or (code and code_of(response) != code):
                return f"expected {expected} {code or ''}".strip()
            return None

        return expect

    def own(identity: Identity) -> str | None:
        return callers.resource_of(owner_model, identity.participant_id) if owner_model else None

    if policy.public:
        check("anonymous", None, None, allowed)
        return

    check("anonymous", None, None, status(401, "unauthenticated"))
    admitted = sorted(policy.roles)[0]
    revoked = callers.revoked(admitted)
    check("revoked key", revoked, own(revoked), status(401, "credential_revoked"))
    suspended = callers.make(admitted, status=ParticipantStatus.SUSPENDED)
    check("suspended", suspended, own(suspended), status(403, "participant_suspended"))
    pending = callers.make(admitted, status=ParticipantStatus.PENDING)
    check("pending", pending, own(pending), allowed if policy.pending_ok else status(403, "participant_pending"))
    business = sorted(role for role in policy.roles if role.on_chain)
    if business:
        expired = callers.make(business[0], kyc_expires_at=utcnow())
        check("KYC expired", expired, own(expired), allowed if policy.pending_ok else status(403, "kyc_expired"))

    for role in Role:
        caller = callers.make(role)
        check(role.value, caller, own(caller), allowed if role in policy.roles else status(403, "role_not_allowed"))
        if owner_model is not None and role in policy.roles:
            stranger = callers.make(role)
            foreign = callers.resource_of(owner_model, stranger.participant_id)
            expect = allowed if role in policy.all_tenants else status(404, "not_found")
            check(f"{role.value} on another tenant's {owner_model.__name__}", caller, foreign, expect)
            check(f"{role.value} on a missing {owner_model.__name__}", caller, str(uuid.uuid4()), status(404, "not_found"))

    assert failures == [], f"{endpoint.name}:\n  " + "\n  ".join(failures)
