"""The routers matched first (`router.hot_routers`) take no path away from any other router."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Route, compile_path

from backend.api.router import api_routers, hot_routers

PARAMETER = re.compile(r"{([^}:]+)(?::[^}]+)?}")


def routes_of(router, prefix: str) -> list[tuple[str, set[str]]]:
    """(full path template, methods) of each route the router serves."""
    return [(prefix + route.path, set(route.methods or ())) for route in router.routes if isinstance(route, APIRoute | Route)]


def sample_path(template: str) -> str:
    """The template with each parameter filled in (a value every parameter's convertor takes)."""
    return PARAMETER.sub("1", template)


def matches(template: str, path: str) -> bool:
    regex, _, _ = compile_path(template)
    return regex.match(path) is not None


def test_the_hot_routers_are_first_and_in_their_order():
    assert api_routers[: len(hot_routers)] == hot_routers
    assert len({id(router) for router, _ in api_routers}) == len(api_routers)  # each included once


@pytest.mark.parametrize("hot", [router for router, _ in hot_routers], ids=lambda router: router.routes[0].path)
def test_no_path_of_a_hot_router_can_match_another_routers_route(hot):
    hot_prefix = next(prefix for router, prefix in hot_routers if router is hot)
    mine = routes_of(hot, hot_prefix)
    others = [route for router, prefix in api_routers if router is not hot for route in routes_of(router, prefix)]
    assert mine and others
    for template, methods in mine:
        for other, other_methods in others:
            if not methods & other_methods:
                continue
            assert not matches(other, sample_path(template)), f"{other} would also answer {template}"
            assert not matches(template, sample_path(other)), f"{template} would take {other}'s requests"


def test_the_check_finds_an_overlap():
    # A catch-all under /v1/subjects in another router would be shadowed by the subjects router.
    assert matches("/v1/subjects/{anything:path}", sample_path("/v1/subjects/{subject}/data"))
    assert matches("/v1/subjects/{subject}/data", sample_path("/v1/subjects/{other}/data"))
