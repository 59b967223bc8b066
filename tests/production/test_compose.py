"""docker-compose.yml parses, resolves, and has the shape operators and scripts rely on."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import jsonschema
import yaml
import pytest

from tests.production.compose_file import COMPOSE_FILE, ENV_TEMPLATE, PROJECT_ROOT, load_compose, services

EXPECTED_SERVICES = {
    "validator1", "validator2", "validator3", "validator4", "rpcnode",
    "postgres", "redis", "kubo", "api", "worker", "beat", "indexer", "deploy", "proxy",
    "prometheus", "grafana",
}  # fmt: skip
BESU_NODES = ["validator1", "validator2", "validator3", "validator4", "rpcnode"]
PYTHON_SERVICES = ["api", "worker", "beat", "indexer", "deploy"]
# Debian's docker-compose (1.29) ships the Compose Specification schema it validates with.
COMPOSE_SPEC_SCHEMA = Path("/usr/lib/python3/dist-packages/compose/config/compose_spec.json")
DOCKER_COMPOSE = shutil.which("docker-compose")
EXAMPLE = PROJECT_ROOT / "chain-config" / "qbft-dev"


@pytest.mark.skipif(DOCKER_COMPOSE is None, reason="docker-compose not installed (apt-get install docker-compose)")
def test_compose_file_parses_and_resolves_without_an_engine():
    result = subprocess.run(
        [DOCKER_COMPOSE, "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "TL_ENV_FILE": str(ENV_TEMPLATE)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(DOCKER_COMPOSE is None, reason="docker-compose not installed (apt-get install docker-compose)")
def test_compose_refuses_to_start_without_the_env_file(tmp_path):
    result = subprocess.run(
        [DOCKER_COMPOSE, "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "TL_ENV_FILE": str(tmp_path / "missing.env")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "missing.env" in result.stderr


@pytest.mark.skipif(not COMPOSE_SPEC_SCHEMA.exists(), reason="compose-spec schema ships with Debian's docker-compose")
def test_compose_file_matches_the_compose_spec_schema():
    schema = json.loads(COMPOSE_SPEC_SCHEMA.read_text())
    validator = jsonschema.Draft201909Validator(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(load_compose())]
    assert errors == []
    broken = load_compose()
    broken["services"]["api"]["healthchek"] = {}
    assert list(validator.iter_errors(broken)), "the schema must catch a misspelt key"


def test_service_names_are_the_documented_ones():
    assert set(services()) == EXPECTED_SERVICES


def test_images_are_pinned():
    for name, service in services().items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and tag and tag != "latest", f"{name}: {image} is not pinned"
        assert re.search(r"\d", tag), f"{name}: {image} has no version in its tag"
    assert services()["validator1"]["image"].startswith("hyperledger/besu:")
    assert services()["kubo"]["image"].startswith("ipfs/kubo:v")


def test_long_running_services_wait_for_healthy_dependencies():
    svc = services()
    for name in ["rpcnode", "deploy", "api", "worker", "beat", "indexer", "proxy"]:
        depends = svc[name]["depends_on"]
        assert isinstance(depends, dict), f"{name}: depends_on needs conditions"
        for target, rule in depends.items():
            assert rule["condition"] in ("service_healthy", "service_completed_successfully"), (name, target)
            if rule["condition"] == "service_healthy":
                assert "healthcheck" in svc[target], f"{name} waits for {target}, which has no health check"
    for name in ["api", "worker", "beat", "indexer"]:
        assert svc[name]["depends_on"]["deploy"]["condition"] == "service_completed_successfully"
    for name in [*BESU_NODES, "postgres", "redis", "kubo", "api", "worker", "proxy"]:
        assert svc[name]["healthcheck"]["test"], name


def test_state_lives_in_volumes():
    svc = services()
    declared = set(load_compose()["volumes"])

    def named_volume(name: str, target: str) -> str:
        for volume in svc[name]["volumes"]:
            source, _, rest = volume.partition(":")
            if rest.split(":")[0] == target:
                assert source in declared, f"{name}: {target} is not a named volume"
                return source
        raise AssertionError(f"{name} has no volume at {target}")

    chain_volumes = {named_volume(node, "/data") for node in BESU_NODES}
    assert len(chain_volumes) == len(BESU_NODES)  # one chain database per node
    named_volume("postgres", "/var/lib/postgresql/data")
    named_volume("kubo", "/data/ipfs")


def test_kubo_rpc_is_not_published():
    kubo = services()["kubo"]
    assert "ports" not in kubo and "network_mode" not in kubo


def test_only_the_proxy_is_published_beyond_loopback():
    for name, service in services().items():
        for port in service.get("ports", []):
            if name != "proxy":
                assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port}"


def test_no_secrets_in_the_compose_file():
    text = COMPOSE_FILE.read_text()
    assert not re.search(r"0x[0-9a-fA-F]{64}", text), "a private key in the compose file"
    for name, service in services().items():
        environment = service.get("environment", {})
        keys = environment if isinstance(environment, dict) else [e.split("=")[0] for e in environment]
        # NAME__FILE / NAME_FILE point at a mounted secret (/run/secrets/...), they hold no secret.
        inline = [
            k for k in keys
            if re.search(r"KEY|PASSWORD|SECRET", k)
            and not (re.search(r"_FILE$", k) and str(environment[k]).startswith("/run/secrets/"))
        ]
        assert not inline, f"{name} sets a secret inline"
    for name in [*PYTHON_SERVICES, "postgres"]:
        assert "env_file" in services()[name], f"{name} does not read the env file"


def test_besu_nodes_sit_at_the_addresses_in_their_enodes():
    network = json.loads((EXAMPLE / "network.json").read_text())
    hosts = {node["name"]: node["host"] for node in network["nodes"]}
    svc = services()
    for name in BESU_NODES:
        assert svc[name]["networks"]["chain"]["ipv4_address"] == hosts[name]
        mounts = {v.split(":")[1]: v.split(":")[0] for v in svc[name]["volumes"]}
        assert mounts["/config/node"] == f"./chain-config/qbft-dev/nodes/{name}"
    subnet = load_compose()["networks"]["chain"]["ipam"]["config"][0]["subnet"]
    assert subnet == network["subnet"]


def test_besu_mount_points_match_the_generated_node_config():
    config = tomllib.loads((EXAMPLE / "nodes" / "validator1" / "config.toml").read_text())
    besu = services()["validator1"]
    targets = {v.split(":")[1] for v in besu["volumes"]}
    assert Path(config["genesis-file"]).as_posix() in targets
    assert str(Path(config["node-private-key-file"]).parent) in targets
    assert str(Path(config["data-path"])) in targets
    entrypoint = " ".join(besu["entrypoint"])
    assert config["permissions-accounts-config-file"] in entrypoint  # seeded from the bootstrap list
    assert "--config-file=/config/node/config.toml" in entrypoint


def test_prometheus_and_grafana_are_wired_to_the_api_metrics():
    compose = load_compose()
    prometheus, grafana, api = (compose["services"][name] for name in ("prometheus", "grafana", "api"))
    assert re.fullmatch(r"prom/prometheus:v3\.\d+\.\d+", prometheus["image"])
    assert re.fullmatch(r"grafana/grafana:12\.\d+\.\d+", grafana["image"])
    mounts = {volume.split(":")[1] for volume in prometheus["volumes"]}
    assert {"/etc/prometheus/prometheus.yml", "/etc/prometheus/alerts.yml"} <= mounts
    for volume in prometheus["volumes"] + grafana["volumes"]:
        source = volume.split(":")[0]
        if source.startswith("./"):
            assert (PROJECT_ROOT / source).exists(), f"{source} is mounted but missing"
    # One token: the api reads the secret the scrape config sends.
    assert "metrics_token" in prometheus["secrets"] and "metrics_token" in api["secrets"]
    scrape = yaml.safe_load((PROJECT_ROOT / "deploy/prometheus/prometheus.yml").read_text())["scrape_configs"][0]
    assert scrape["static_configs"][0]["targets"] == ["api:8000"]
    assert scrape["authorization"]["credentials_file"] == "/run/secrets/metrics_token"
    assert compose["secrets"]["metrics_token"]["file"] == "./deploy/metrics_token"
    # Every process writes its own metric directory; the api merges the others.
    dirs = {name: compose["services"][name]["environment"]["PROMETHEUS_MULTIPROC_DIR"] for name in PYTHON_SERVICES if name != "deploy"}
    assert len(set(dirs.values())) == len(dirs)
    assigned = dict(
        line.split("=", 1) for line in ENV_TEMPLATE.read_text().splitlines() if line.startswith("TRUSTLEDGER_METRICS_")
    )
    assert set(json.loads(assigned["TRUSTLEDGER_METRICS_MERGE_DIRS"])) == {dirs["worker"], dirs["beat"], dirs["indexer"]}
    assert assigned["TRUSTLEDGER_METRICS_TOKEN_FILE"] == "/run/secrets/metrics_token"
    for published in prometheus["ports"] + grafana["ports"]:
        assert published.startswith("127.0.0.1:"), "monitoring is for operators on the host only"
