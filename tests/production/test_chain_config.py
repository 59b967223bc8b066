"""The network generator and the checked-in example network under chain-config/."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend.chain_config import decode_qbft_extra_data, load_node_key, parse_enode, parse_permissions_config
from backend.cli import app
from contracts.compiler import EVM_VERSION

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = PROJECT_ROOT / "chain-config" / "qbft-dev"
# Forks through Cancun, the compiler's pinned EVM version.
FORKS_THROUGH_CANCUN = [
    "homesteadBlock", "eip150Block", "eip155Block", "eip158Block", "byzantiumBlock", "constantinopleBlock",
    "petersburgBlock", "istanbulBlock", "berlinBlock", "londonBlock", "shanghaiTime", "cancunTime",
]  # fmt: skip


def generate(out: Path, *args: str) -> None:
    result = CliRunner().invoke(app, ["chain-config", "generate", "--out", str(out), *args])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("net") / "network"
    generate(out, "--validators", "4", "--chain-id", "4242", "--block-period", "3", "--account", "0x" + "ab" * 20)
    return out


@pytest.fixture(params=["generated", "example"])
def network_dir(request, generated) -> Path:
    return generated if request.param == "generated" else EXAMPLE


def node_dirs(network: Path) -> dict[str, Path]:
    return {path.name: path for path in sorted((network / "nodes").iterdir())}


def node_key_file(node_dir: Path) -> Path:
    config = tomllib.loads((node_dir / "config.toml").read_text())
    return node_dir / Path(config["node-private-key-file"]).name


def test_genesis_extra_data_names_exactly_the_validator_keys(network_dir):
    genesis = json.loads((network_dir / "genesis.json").read_text())
    keys = {name: load_node_key(node_key_file(path)) for name, path in node_dirs(network_dir).items()}
    validator_addresses = sorted((k.address for n, k in keys.items() if n.startswith("validator")), key=str.lower)
    assert len(validator_addresses) == 4
    decoded = decode_qbft_extra_data(genesis["extraData"])
    assert list(decoded.validators) == validator_addresses
    assert keys["rpcnode"].address not in decoded.validators
    assert (decoded.vote, decoded.round, decoded.seals) == ((), 0, ())


def test_genesis_runs_cancun_with_free_gas_from_block_zero(network_dir):
    config = json.loads((network_dir / "genesis.json").read_text())["config"]
    assert EVM_VERSION == "cancun"
    assert {fork: config[fork] for fork in FORKS_THROUGH_CANCUN} == dict.fromkeys(FORKS_THROUGH_CANCUN, 0)
    assert config["zeroBaseFee"] is True
    qbft = config["qbft"]
    assert qbft["requesttimeoutseconds"] == 2 * qbft["blockperiodseconds"]
    assert qbft["epochlength"] > 0


def test_generator_options_reach_the_genesis(generated):
    genesis = json.loads((generated / "genesis.json").read_text())
    assert genesis["config"]["chainId"] == 4242
    assert genesis["config"]["qbft"]["blockperiodseconds"] == 3
    assert genesis["config"]["qbft"]["requesttimeoutseconds"] == 6
    assert genesis["difficulty"] == "0x1"


def test_deployer_and_relayer_are_funded_and_allowlisted(network_dir):
    genesis = json.loads((network_dir / "genesis.json").read_text())
    network = json.loads((network_dir / "network.json").read_text())
    allowlists = parse_permissions_config((network_dir / "permissions_config.toml").read_text())
    for role in ("deployer", "relayer"):
        address = network[role]
        assert int(genesis["alloc"][address.lower()[2:]]["balance"], 16) > 0
        assert address in allowlists.accounts
        key_files = list((network_dir / "accounts").glob(f"{role}*.key"))
        if key_files:
            assert load_node_key(key_files[0]).address == address


def test_every_enode_in_the_allowlist_matches_a_node_key(network_dir):
    allowlists = parse_permissions_config((network_dir / "permissions_config.toml").read_text())
    keys = {name: load_node_key(node_key_file(path)) for name, path in node_dirs(network_dir).items()}
    enodes = [parse_enode(url) for url in allowlists.nodes]
    assert sorted(e.node_id for e in enodes) == sorted(k.enode_id for k in keys.values())
    assert sorted(e.address for e in enodes) == sorted(k.address for k in keys.values())
    for name, path in node_dirs(network_dir).items():
        config = tomllib.loads((path / "config.toml").read_text())
        own = next(e for e in enodes if e.node_id == keys[name].enode_id)
        assert (own.host, own.port) == (config["p2p-host"], config["p2p-port"])


def test_every_node_is_configured_for_free_gas_and_permissioning(network_dir):
    allowlists = parse_permissions_config((network_dir / "permissions_config.toml").read_text())
    for name, path in node_dirs(network_dir).items():
        config = tomllib.loads((path / "config.toml").read_text())
        assert config["min-gas-price"] == 0
        assert config["permissions-nodes-config-file-enabled"] is True
        assert config["permissions-accounts-config-file-enabled"] is True
        assert "PERM" in config["rpc-http-api"]
        static_nodes = json.loads((path / "static-nodes.json").read_text())
        assert set(config["bootnodes"]) <= set(allowlists.nodes)  # Besu refuses bootnodes outside the allowlist
        own = next(url for url in allowlists.nodes if parse_enode(url).host == config["p2p-host"])
        assert sorted(static_nodes) == sorted(url for url in allowlists.nodes if url != own)
        assert own not in config["bootnodes"]


def test_extra_accounts_are_allowlisted(generated):
    allowlists = parse_permissions_config((generated / "permissions_config.toml").read_text())
    assert "0x" + "AB" * 20 in [a.upper().replace("0X", "0x") for a in allowlists.accounts]


def test_example_network_is_marked_dev_only():
    network = json.loads((EXAMPLE / "network.json").read_text())
    assert network["devOnly"] is True and "DEV-ONLY" in network["comment"]
    for path in node_dirs(EXAMPLE).values():
        assert node_key_file(path).name.endswith(".dev-only")
        assert "DEV-ONLY" in (path / "config.toml").read_text()
    assert sorted(p.name for p in (EXAMPLE / "accounts").iterdir()) == [
        "deployer.dev-only.key",
        "relayer.dev-only.key",
    ]
    assert "DEV-ONLY" in (EXAMPLE / "permissions_config.toml").read_text()


def test_generator_refuses_to_overwrite_keys(generated):
    result = CliRunner().invoke(app, ["chain-config", "generate", "--out", str(generated)])
    assert result.exit_code == 2
    assert "not an empty directory" in result.output


def test_generator_without_dev_writes_plain_key_names_and_uses_given_accounts(tmp_path):
    deployer = "0x" + "12" * 20
    generate(tmp_path / "net", "--validators", "1", "--rpc-nodes", "0", "--deployer", deployer)
    network = json.loads((tmp_path / "net" / "network.json").read_text())
    assert [n["name"] for n in network["nodes"]] == ["validator1"]
    assert network["devOnly"] is False
    assert (tmp_path / "net" / "nodes" / "validator1" / "key").exists()
    assert sorted(p.name for p in (tmp_path / "net" / "accounts").iterdir()) == ["relayer.key"]
    assert network["deployer"].lower() == deployer


def test_node_key_command_writes_a_key_that_matches_its_printed_enode(tmp_path):
    out = tmp_path / "validator5" / "key"
    result = CliRunner().invoke(app, ["chain-config", "node-key", "--out", str(out), "--host", "172.16.239.16"])
    assert result.exit_code == 0, result.output
    key = load_node_key(out)
    address_line, enode_line = result.output.strip().splitlines()
    assert address_line == f"address {key.address}"
    enode = parse_enode(enode_line)
    assert (enode.node_id, enode.host, enode.port, enode.address) == (key.enode_id, "172.16.239.16", 30303, key.address)
    assert out.stat().st_mode & 0o777 == 0o600
    again = CliRunner().invoke(app, ["chain-config", "node-key", "--out", str(out)])
    assert again.exit_code == 2 and load_node_key(out) == key
