"""A deployed CampaignEscrow with its cast (advertiser, attesters, verifier, auditor, publishers)
and helpers that build real trees, sign real attestations and keep the per-epoch records."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest
from eth_account import Account
from eth_utils import keccak, to_checksum_address
from web3 import Web3
from web3.logs import DISCARD
from web3.contract import Contract

from backend.chain.local_node import dev_private_keys
from backend.proofs.merkle import MerkleTree
from backend.settlement.encoding.attestation import SettlementAttestation, sign_all
from backend.settlement.encoding.leaves import BalanceLeaf, EventLeaf
from backend.settlement.encoding.record import SettlementRecord
from tests.factories import DAY, TOKEN_UNIT, Role, assert_reverts, deploy, now, onboard, transact

FEE_BPS = 250
BOND = 50 * TOKEN_UNIT
WINDOW = DAY
GRACE = 7 * DAY  # the escrow's default settlement grace
RESOLUTION = 3 * DAY  # the escrow's default resolution period
CLAIM = 30 * DAY  # the escrow's default claim period
BUDGET = 10_000 * TOKEN_UNIT
ZERO = "0x0000000000000000000000000000000000000000"


@dataclass
class Commit:
    """One committed epoch as the backend would keep it."""

    epoch: int
    earnings: dict[str, int]
    record: SettlementRecord
    balance_tree: MerkleTree
    events: list[EventLeaf]
    events_tree: MerkleTree

    def proof(self, campaign_id: int, publisher: str) -> list[bytes]:
        return self.balance_tree.proof(BalanceLeaf(campaign_id, publisher, self.earnings[publisher]).hash())

    def event_proof(self, leaf: EventLeaf) -> list[bytes]:
        return self.events_tree.proof(leaf.hash())


@dataclass
class EscrowWorld:
    w3: Web3
    registry: Contract
    token: Contract
    escrow: Contract
    admin: str
    advertiser: str
    attesters: list[str]
    private_keys: dict[str, str]  # every anvil account's key (local chains only)
    verifier: str
    auditor: str
    publishers: list[str]
    outsider: str
    commits: dict[int, dict[int, Commit]] = field(default_factory=dict)

    # ---- campaigns ----

    def create(
        self,
        *,
        attesters: list[str] | None = None,
        threshold: int = 1,
        verifier: str = ZERO,
        window: int = WINDOW,
        duration: int = 30 * DAY,
        token: Contract | None = None,
        sender: str | None = None,
    ) -> int:
        fn = self.escrow.functions.createCampaign(
            (token or self.token).address,
            keccak(text="terms"),
            attesters if attesters is not None else self.attesters[:1],
            threshold,
            verifier,
            window,
            now(self.w3) + duration,
        )
        receipt = transact(fn, sender or self.advertiser)
        (event,) = self.events(receipt, "CampaignCreated")
        return event.args.campaignId

    def fund(self, campaign_id: int, amount: int = BUDGET, sender: str | None = None):
        sender = sender or self.advertiser
        transact(self.token.functions.approve(self.escrow.address, amount), sender)
        return transact(self.escrow.functions.fund(campaign_id, amount), sender)

    def funded_campaign(self, amount: int = BUDGET, **create_args) -> int:
        campaign_id = self.create(**create_args)
        self.fund(campaign_id, amount)
        return campaign_id

    def campaign(self, campaign_id: int) -> dict:
        names = [o["name"] for o in _outputs(self.escrow, "campaign")]
        return dict(zip(names, self.escrow.functions.campaign(campaign_id).call(), strict=True))

    # ---- settlement ----

    def attestation(self, campaign_id: int, epoch: int, earnings: dict[str, int], spent: int,
                    revision: int | None = None) -> tuple:
        """``revision``: the one signed; None: the campaign's current revision."""
        if revision is None:
            revision = self.campaign(campaign_id)["revision"]
        balance_tree = MerkleTree([BalanceLeaf(campaign_id, p, amount).hash() for p, amount in earnings.items()])
        events = [
            EventLeaf(campaign_id, epoch, keccak(text=f"event {epoch} {p}"), p, 0, amount)
            for p, amount in earnings.items()
        ]
        events_tree = MerkleTree([leaf.hash() for leaf in events])
        attestation = SettlementAttestation(
            campaign_id, epoch, events_tree.root, balance_tree.root, spent, len(events), revision
        )
        return attestation, balance_tree, events, events_tree

    def signatures(self, attestation: SettlementAttestation, signers: list[str], chain_id: int | None = None,
                   contract: str | None = None) -> list[bytes]:
        keys = [self.private_keys[s] for s in signers]
        return sign_all(attestation, keys, chain_id or self.w3.eth.chain_id, contract or self.escrow.address)

    def commit_call(self, campaign_id: int, epoch: int, earnings: dict[str, int], spent: int | None = None,
                    signers: list[str] | None = None, revision: int | None = None):
        """(contract call, attestation, trees) without sending it; signed at `revision` (None: the current one)."""
        spent = sum(earnings.values()) if spent is None else spent
        attestation, balance_tree, events, events_tree = self.attestation(campaign_id, epoch, earnings, spent, revision)
        signatures = self.signatures(attestation, signers if signers is not None else self.attesters[:1])
        call = self.escrow.functions.commitSettlement(*attestation.commit_args(signatures))
        return call, attestation, (balance_tree, events, events_tree)

    def commit(self, campaign_id: int, epoch: int, earnings: dict[str, int], spent: int | None = None,
               signers: list[str] | None = None, sender: str | None = None) -> Commit:
        call, attestation, (balance_tree, events, events_tree) = self.commit_call(
            campaign_id, epoch, earnings, spent, signers
        )
        receipt = transact(call, sender or self.outsider)
        committed_at = self.w3.eth.get_block(receipt.blockNumber)["timestamp"]
        record = SettlementRecord(
            attestation.events_root, attestation.balance_root, attestation.cumulative_spent, committed_at,
            attestation.revision,
        )
        commit = Commit(epoch, dict(earnings), record, balance_tree, events, events_tree)
        self.commits.setdefault(campaign_id, {})[epoch] = commit
        return commit

    def mature(self, campaign_id: int, epoch: int, sender: str | None = None):
        record = self.commits[campaign_id][epoch].record
        return transact(self.escrow.functions.matureSettlement(campaign_id, epoch, record.as_tuple()),
                        sender or self.outsider)

    def payout_call(self, campaign_id: int, epoch: int, publisher: str, cumulative: int | None = None):
        commit = self.commits[campaign_id][epoch]
        amount = commit.earnings[publisher] if cumulative is None else cumulative
        return self.escrow.functions.payout(campaign_id, publisher, amount, commit.proof(campaign_id, publisher))

    def payout(self, campaign_id: int, epoch: int, publisher: str, sender: str | None = None):
        return transact(self.payout_call(campaign_id, epoch, publisher), sender or self.outsider)

    def challenge_call(self, campaign_id: int, epoch: int, challenger: str, proof_epoch: int | None = None):
        """The challenge by `challenger`; a publisher proves membership with its leaf of `proof_epoch`."""
        record = self.commits[campaign_id][epoch].record
        cumulative, proof = 0, []
        if challenger in self.publishers:
            source = self.commits[campaign_id][proof_epoch or epoch]
            cumulative, proof = source.earnings[challenger], source.proof(campaign_id, challenger)
        return self.escrow.functions.challenge(campaign_id, epoch, record.as_tuple(), cumulative, proof)

    def challenge(self, campaign_id: int, epoch: int, challenger: str | None = None, proof_epoch: int | None = None):
        challenger = challenger or self.advertiser
        transact(self.token.functions.approve(self.escrow.address, BOND), challenger)
        return transact(self.challenge_call(campaign_id, epoch, challenger, proof_epoch), challenger)

    def balance(self, account: str) -> int:
        return self.token.functions.balanceOf(account).call()

    def events(self, receipt, name: str) -> list:
        return list(getattr(self.escrow.events, name)().process_receipt(receipt, errors=DISCARD))

    def reverts(self, call, sender: str, error_name: str) -> tuple:
        """The escrow's custom error `error_name` with its arguments (addresses checksummed)."""
        args = assert_reverts(call, sender, self.escrow, error_name)
        return tuple(to_checksum_address(a) if isinstance(a, str) and len(a) == 42 else a for a in args)


def _outputs(contract: Contract, name: str) -> list[dict]:
    (item,) = [i for i in contract.abi if i.get("name") == name and i["type"] == "function"]
    return item["outputs"][0]["components"]


def build_world(w3: Web3, registry: Contract, token: Contract, admin: str) -> EscrowWorld:
    accounts = list(w3.eth.accounts)
    keys = dict(zip(accounts, dev_private_keys(len(accounts)), strict=True))
    assert Account.from_key(keys[accounts[2]]).address == accounts[2]
    advertiser, attester_a, attester_b, attester_c, verifier, auditor = accounts[1:7]
    publishers = accounts[7:11]
    outsider = accounts[11]
    escrow = deploy(w3, "CampaignEscrow", registry.address)
    transact(escrow.functions.setTokenConfig(token.address, True, FEE_BPS, BOND), admin)
    onboard(registry, advertiser, Role.ADVERTISER)
    for attester in (attester_a, attester_b, attester_c, verifier):
        onboard(registry, attester, Role.ATTESTER)
    onboard(registry, auditor, Role.AUDITOR)
    for publisher in publishers:
        onboard(registry, publisher, Role.PUBLISHER)
    for account in (advertiser, *publishers):
        transact(token.functions.mint(account, 100_000 * TOKEN_UNIT), admin)
    return EscrowWorld(
        w3=w3,
        registry=registry,
        token=token,
        escrow=escrow,
        admin=admin,
        advertiser=advertiser,
        attesters=sorted([attester_a, attester_b, attester_c], key=lambda a: int(a, 16)),
        private_keys=keys,
        verifier=verifier,
        auditor=auditor,
        publishers=publishers,
        outsider=outsider,
    )


@pytest.fixture(scope="session")
def escrow_base(session_w3) -> EscrowWorld:
    """One deployed cast per test process (~30 transactions); every test gets it inside its snapshot."""
    admin = session_w3.eth.accounts[0]
    registry = deploy(session_w3, "ParticipantRegistry", admin)
    token = deploy(session_w3, "SettlementToken", "Escrow USD", "eUSD", admin)
    return build_world(session_w3, registry, token, admin)


@pytest.fixture
def world(escrow_base, w3) -> EscrowWorld:
    return replace(escrow_base, commits={})
