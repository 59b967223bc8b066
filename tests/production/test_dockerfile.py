"""The Dockerfile: multi-stage, pinned bases, non-root runtime, nothing secret in the build context."""

from __future__ import annotations

import re
from fnmatch import fnmatch

from tests.production.compose_file import PROJECT_ROOT

DOCKERFILE = PROJECT_ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    parsed = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            parsed.append((keyword.upper(), rest.strip()))
    return parsed


def stages() -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for keyword, rest in instructions():
        if keyword == "FROM":
            result.append([])
        result[-1].append((keyword, rest))
    return result


def test_multi_stage_with_pinned_base_images():
    froms = [rest for keyword, rest in instructions() if keyword == "FROM"]
    assert len(froms) >= 2
    for line in froms:
        image = line.split()[0]
        assert ":" in image and not image.endswith(":latest"), image
        assert re.search(r":\d+\.\d+\.\d+", image), f"{image} is not pinned to a patch version"


def test_runtime_stage_runs_as_a_non_root_user_without_node():
    runtime = stages()[-1]
    users = [rest for keyword, rest in runtime if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert ("ENTRYPOINT", '["trustledger"]') in runtime
    assert not any("node" in rest.split()[0] for keyword, rest in runtime if keyword == "FROM")
    copies = " ".join(rest for keyword, rest in runtime if keyword == "COPY")
    assert "/usr/local/bin/node" not in copies


def test_build_stage_installs_the_lock_file_and_compiles_the_contracts():
    build = " ".join(rest for stage in stages()[:-1] for _, rest in stage)
    assert "pip install -r requirements.lock" in build
    assert "npm ci" in build
    assert "compile_contracts()" in build


def test_copied_sources_exist():
    for keyword, rest in instructions():
        if keyword == "COPY" and "--from" not in rest:
            for source in rest.split()[:-1]:
                assert (PROJECT_ROOT / source).exists(), f"COPY {source}: no such path"


def test_dockerignore_keeps_keys_env_files_and_local_state_out():
    patterns = [
        line.strip()
        for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignored(path: str) -> bool:
        return any(fnmatch(path, p) or fnmatch(path.split("/")[0], p) for p in patterns)

    for path in [".git", ".venv", "node_modules", "build", ".env", "deploy/trustledger.env",
                 "chain-config/qbft-dev/nodes/validator1/key.dev-only", "data/deployment.json"]:  # fmt: skip
        assert ignored(path), f"{path} would be sent to the Docker build"
    for needed in ["requirements.lock", "pyproject.toml", "package.json", "package-lock.json", "contracts", "backend"]:
        assert not ignored(needed), f"{needed} is needed by the build"
