"""The layering rule of docs/ARCHITECTURE.md, read from the source so it cannot come back.

1. No import cycle between any two modules of ``backend`` (function-level and
   ``TYPE_CHECKING`` imports count; see ``tests/import_graph.py``).
2. Only the delivery layers (``backend.api``, ``backend.cli``, ``backend.web``,
   ``backend.worker``) import the HTTP layer (``backend.api``, FastAPI, Starlette).
3. The ads pipeline imports one way: settlement -> ads -> campaigns.

The known-offender lists below are empty and may only stay so: a new offender fails at once.
"""

from __future__ import annotations

from tests.import_graph import REPO, cycles, external_imports, import_graph

DELIVERY = ("backend.api", "backend.cli", "backend.web", "backend.worker")
HTTP = ("backend.api", "fastapi", "starlette")
PIPELINE = ("backend.settlement", "backend.ads", "backend.campaigns")  # each imports only those after it

KNOWN_HTTP_IMPORTS: set[str] = set()

KNOWN_PIPELINE_BACK_IMPORTS: set[tuple[str, str]] = set()


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


def pipeline_back_imports(graph: dict[str, set[str]] | None = None) -> set[tuple[str, str]]:
    graph = import_graph(REPO / "backend") if graph is None else graph
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
    planted = {
        "backend.campaigns.state": {"backend.ads.terms", "backend.core.errors"},
        "backend.ads.filters.screen": {"backend.campaigns.phase"},
        "backend.ads.pricing": {"backend.settlement.encoding.leaves"},
    }
    assert pipeline_back_imports(planted) == {
        ("backend.campaigns.state", "backend.ads"),
        ("backend.ads.pricing", "backend.settlement"),
    }
    assert forwarding_modules(REPO / "backend" / "ads" / "filters") == {"filters"}  # its __init__ re-exports


def forwarding_modules(package_dir) -> set[str]:
    """Modules whose only content is imports (plus ``__all__``): names forwarded from elsewhere."""
    import ast

    from tests.import_graph import module_names

    found = set()
    for name, path in module_names(package_dir).items():
        body = ast.parse(path.read_text()).body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # the docstring
        imports = [node for node in body if isinstance(node, (ast.Import, ast.ImportFrom)) and not (
            isinstance(node, ast.ImportFrom) and node.module == "__future__"
        )]
        rest = [
            node for node in body
            if not isinstance(node, (ast.Import, ast.ImportFrom))
            and not (isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["__all__"])
        ]
        if imports and not rest:
            found.add(name)
    return found


def test_settlement_has_no_module_that_only_forwards_names():
    assert forwarding_modules(REPO / "backend" / "settlement") == set()


def test_settlement_is_grouped_by_concept():
    """A handful of sub-packages and modules at the top, not a flat folder of 25 files."""
    top = sorted(p.name for p in (REPO / "backend" / "settlement").iterdir() if p.name != "__pycache__")
    packages = [name for name in top if not name.endswith(".py")]
    assert packages == ["cosigning", "encoding", "epochs", "onchain", "payouts", "proofs"]
    assert len(top) <= 16
