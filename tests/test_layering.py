"""The layering rule of docs/ARCHITECTURE.md, read from the source so it cannot come back.

1. No import cycle between any two modules of ``backend`` (function-level and
   ``TYPE_CHECKING`` imports count; see ``tests/import_graph.py``).
2. Only the delivery layers (``backend.api``, ``backend.cli``, ``backend.web``,
   ``backend.worker``) import the HTTP layer (``backend.api``, FastAPI, Starlette).
3. The ads pipeline imports one way: settlement -> ads -> campaigns.

Rule 3 still has known offenders, listed below: the work of issue 12 that has not
landed yet. The list may only shrink — a module that is fixed must be taken off
(the test says so), and a new offender fails at once.
"""

from __future__ import annotations

from tests.import_graph import REPO, cycles, external_imports, import_graph

DELIVERY = ("backend.api", "backend.cli", "backend.web", "backend.worker")
HTTP = ("backend.api", "fastapi", "starlette")
PIPELINE = ("backend.settlement", "backend.ads", "backend.campaigns")  # each imports only those after it

KNOWN_HTTP_IMPORTS: set[str] = set()

KNOWN_PIPELINE_BACK_IMPORTS = {
    ("backend.campaigns.creation", "backend.ads"),
    ("backend.campaigns.state", "backend.ads"),
    ("backend.campaigns.status", "backend.ads"),
    ("backend.campaigns.views", "backend.ads"),
}


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_backend_has_no_import_cycle():
    graph = import_graph(REPO / "backend")
    assert len(graph) > 200  # the package was found and read
    assert cycles(graph) == []


def http_imports() -> set[str]:
    imports = external_imports(REPO / "backend")
    return {
        module
        for module, targets in imports.items()
        if not module.startswith(DELIVERY) and any(_in(t, p) for t in targets for p in HTTP)
    }


def test_only_delivery_layers_import_the_http_layer():
    found = http_imports()
    assert found - KNOWN_HTTP_IMPORTS == set(), "domain modules must raise backend.core.errors kinds"
    assert KNOWN_HTTP_IMPORTS - found == set(), "fixed: take these off KNOWN_HTTP_IMPORTS"


def pipeline_back_imports() -> set[tuple[str, str]]:
    graph = import_graph(REPO / "backend")
    back = set()
    for module, targets in graph.items():
        for rank, package in enumerate(PIPELINE):
            if _in(module, package):
                back |= {(module, p) for t in targets for p in PIPELINE[:rank] if _in(t, p)}
    return back


def test_the_ads_pipeline_imports_one_way():
    found = pipeline_back_imports()
    assert found - KNOWN_PIPELINE_BACK_IMPORTS == set()
    assert KNOWN_PIPELINE_BACK_IMPORTS - found == set(), "fixed: take these off KNOWN_PIPELINE_BACK_IMPORTS"


def test_the_rules_see_a_violation():
    # The checks are live: the domain's error kinds are below the HTTP layer, and the
    # known offenders really are found by the same code.
    assert "backend.core.errors" not in http_imports()
    assert ("backend.campaigns.state", "backend.ads") in pipeline_back_imports()
