"""No import cycle among the indexer's modules, read from the source (AST), not from sys.modules.

Every import statement counts, wherever it stands: module level, inside a function (a
deferred import still means the two modules need each other), and under
``if TYPE_CHECKING:`` (a type-only import is still an arrow a reader has to follow).
``from pkg import name`` points at ``pkg.name`` when that is a module, else at ``pkg``.
The implicit import of a parent package (``indexer.catalog`` runs ``indexer/__init__``)
is not an arrow: a package re-exporting its modules' names is not a cycle.
"""

from __future__ import annotations

from pathlib import Path

from tests.import_graph import REPO, cycles, import_graph


def test_the_indexer_has_no_import_cycle():
    graph = import_graph(REPO / "indexer")
    assert len(graph) > 30  # the package was found and read
    assert cycles(graph) == []


def test_the_catalog_reads_projections_and_no_projection_imports_the_catalog():
    graph = import_graph(REPO / "indexer")
    assert "indexer.projections" in graph["indexer.catalog"]
    projections = [name for name in graph if name.startswith("indexer.projections")]
    assert len(projections) == 9
    assert all("indexer.catalog" not in graph[name] for name in projections)


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = tmp_path / "pkg" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path / "pkg"


def test_a_type_checking_import_closes_a_cycle(tmp_path):
    package = _package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from pkg.b import thing\n",
            "b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import other\n",
        },
    )
    assert cycles(import_graph(package)) == [["pkg.a", "pkg.b"]]


def test_a_function_level_and_relative_import_closes_a_cycle(tmp_path):
    package = _package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "import pkg.sub.c\n",
            "sub/__init__.py": "",
            "sub/c.py": "def later():\n    from .. import a\n    return a\n",
            "d.py": "from pkg import a\n",
        },
    )
    graph = import_graph(package)
    assert graph["pkg.sub.c"] == {"pkg.a"}
    assert cycles(graph) == [["pkg.a", "pkg.sub.c"]]


def test_a_package_importing_its_modules_is_no_cycle_by_itself(tmp_path):
    package = _package(
        tmp_path,
        {
            "__init__.py": "from pkg.a import thing\n",
            "a.py": "thing = 1\n",
            "b.py": "from pkg.a import thing\n",
        },
    )
    assert cycles(import_graph(package)) == []
