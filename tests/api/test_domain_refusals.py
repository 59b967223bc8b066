"""Domain refusals are named for the case and mapped to a status in one place (backend/api/errors.py)."""

from __future__ import annotations

import importlib
import inspect
import re

import pytest

from backend.api.errors import status_of
from backend.core import errors as kinds
from tests.import_graph import REPO

PACKAGES = ("campaigns", "settlement", "consent", "identity")
STATUS = {
    kinds.InvalidInput: 422, kinds.NotAuthenticated: 401, kinds.NotPermitted: 403, kinds.NotFound: 404,
    kinds.Conflict: 409, kinds.Unavailable: 503,
}


def cases(package: str) -> list[type]:
    module = importlib.import_module(f"backend.{package}.errors")
    return [c for _, c in inspect.getmembers(module, inspect.isclass) if issubclass(c, kinds.Case) and c.__module__ == module.__name__]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_case_keeps_its_kinds_status_and_a_code_of_its_own(package):
    found = cases(package)
    assert len(found) >= 8
    for case in found:
        kind = next(k for k in STATUS if issubclass(case, k))
        refusal = case("a reason", {"value": 1})
        assert (refusal.code, refusal.message, refusal.details) == (case.code, "a reason", {"value": 1})
        assert status_of(refusal) == STATUS[kind]
        assert case.__name__ not in {k.__name__ for k in STATUS}, "named for the case, not the kind"
        assert case.__doc__ and not case.__doc__.startswith(case.code)


def test_no_service_raises_a_kind_with_a_literal_code():
    """``CampaignConflict("campaign_closed", ...)`` is spelled ``CampaignClosed(...)``; kinds stay for codes
    only known at run time (a sign-in failure relayed from the SIWE parser, a status transition)."""
    families = "|".join(
        name for package in PACKAGES for name, c in inspect.getmembers(importlib.import_module(f"backend.{package}.errors"), inspect.isclass)
        if issubclass(c, kinds.Refusal) and not issubclass(c, kinds.Case)
    )
    literal = re.compile(rf"\b({families})\(\s*\"[a-z_]+\"")
    offenders = [
        f"{path.relative_to(REPO)}: {m.group(0)}"
        for path in (REPO / "backend").rglob("*.py")
        for m in literal.finditer(path.read_text())
    ]
    assert offenders == []
    assert literal.search('raise CampaignConflict("campaign_closed", "x")')  # the check sees one
