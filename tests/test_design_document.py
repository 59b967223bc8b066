"""The design document ships with the repository, and nothing points outside it."""

from __future__ import annotations

import subprocess

from tests.import_graph import REPO


def test_the_readme_links_the_architecture_document_in_the_repository():
    readme = (REPO / "README.md").read_text()
    assert "(docs/ARCHITECTURE.md)" in readme
    text = (REPO / "docs" / "ARCHITECTURE.md").read_text()
    for heading in ("## Three data flows", "## Trust model", "## Layering"):
        assert heading in text


def test_no_project_file_refers_to_the_shared_folder_outside_the_repository():
    files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    offenders = []
    for name in files:
        path = REPO / name
        if not path.is_file() or path.stat().st_size > 2_000_000 or name == "tests/test_design_document.py":
            continue
        try:
            if "../shared" in path.read_text():
                offenders.append(name)
        except UnicodeDecodeError:
            continue
    assert offenders == []
