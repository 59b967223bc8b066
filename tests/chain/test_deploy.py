"""deploy_all on anvil: every contract, the token allowlist, the platform attester; a second run sends nothing."""

from eth_account import Account

from backend.chain.deploy import CHALLENGE_BOND, PLAN, TOKENS, deploy_all
from backend.chain.local_node import dev_private_keys
from contracts import load_artifact
from contracts.deployment import DeploymentManifest
from tests.factories import Role

ADMIN_KEY, _, ATTESTER_KEY = dev_private_keys(3)


def test_deploy_all_twice_deploys_and_sends_nothing_the_second_time(anvil_node, w3, tmp_path):
    admin = Account.from_key(ADMIN_KEY)
    attester = Account.from_key(ATTESTER_KEY).address
    manifest_path = tmp_path / "deployment.json"
    first_messages: list[str] = []

    manifest = deploy_all(
        anvil_node.url, admin, manifest_path, platform_fee_bps=300, attester=attester, progress=first_messages.append
    )

    assert set(manifest.contracts) == {step.name for step in PLAN}
    assert all("deployed at" in message for message in first_messages)
    escrow_entry = manifest.contracts["CampaignEscrow"]
    escrow = w3.eth.contract(address=escrow_entry.address, abi=_abi("CampaignEscrow"))
    for name, _label, _symbol in TOKENS:
        assert tuple(escrow.functions.tokenConfig(manifest.address(name)).call()) == (True, 300, CHALLENGE_BOND)
    registry = w3.eth.contract(address=manifest.address("ParticipantRegistry"), abi=_abi("ParticipantRegistry"))
    assert registry.functions.isActive(attester, Role.ATTESTER).call()

    head = w3.eth.block_number
    admin_nonce = w3.eth.get_transaction_count(admin.address)
    second_messages: list[str] = []
    again = deploy_all(
        anvil_node.url, admin, manifest_path, platform_fee_bps=300, attester=attester, progress=second_messages.append
    )

    assert w3.eth.block_number == head, "the second run mined nothing"
    assert w3.eth.get_transaction_count(admin.address) == admin_nonce
    assert all("already at" in message for message in second_messages)
    assert again.to_json() == manifest.to_json() == DeploymentManifest.load(manifest_path).to_json()


def test_a_changed_fee_is_applied_on_the_next_run(anvil_node, w3, tmp_path):
    admin = Account.from_key(ADMIN_KEY)
    manifest_path = tmp_path / "deployment.json"
    deploy_all(anvil_node.url, admin, manifest_path, platform_fee_bps=250)
    head = w3.eth.block_number

    manifest = deploy_all(anvil_node.url, admin, manifest_path, platform_fee_bps=100)

    escrow = w3.eth.contract(address=manifest.address("CampaignEscrow"), abi=_abi("CampaignEscrow"))
    assert [tuple(escrow.functions.tokenConfig(manifest.address(n)).call()) for n, _, _ in TOKENS] == [
        (True, 100, CHALLENGE_BOND)
    ] * len(TOKENS)
    assert w3.eth.block_number == head + len(TOKENS), "one setTokenConfig per token, no redeployment"


def _abi(name: str) -> list:
    return load_artifact(name).abi
