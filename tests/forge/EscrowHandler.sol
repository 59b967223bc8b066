// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
import {CampaignEscrow} from "contracts/CampaignEscrow.sol";
import {ICampaignEscrow} from "contracts/interfaces/ICampaignEscrow.sol";
import {IParticipantRegistry} from "contracts/interfaces/IParticipantRegistry.sol";
import {ParticipantRegistry} from "contracts/ParticipantRegistry.sol";
import {SettlementToken} from "contracts/SettlementToken.sol";
import {VM} from "./Vm.sol";

/// @title Random actor for the escrow's invariant campaign
/// @notice forge calls these actions in random order with random arguments. Each action
/// bounds its arguments to something plausible, calls the escrow as the right actor and,
/// when the call succeeds, records what moved (ghost totals) from observed balances, never
/// from the escrow's own accounting. Failing calls are expected and ignored.
/// @dev Attesters are honest about each publisher's cumulative earnings (they never go down
/// in a root's lineage; after an upheld challenge the lineage restarts from the matured
/// root), but one commit in eight claims less spend than its leaves add up to, which only
/// the escrow's spend bound can catch.
contract EscrowHandler {
    uint256 public constant CAMPAIGNS = 2;
    uint256 public constant PUBLISHERS = 4;
    address public constant ADVERTISER = address(0xAD);
    address public constant AUDITOR = address(0xA0D);
    address public constant TREASURY = address(0x7EA5);
    uint256 internal constant _ATTESTER_KEY = 0xA77E57;
    uint32 internal constant _WINDOW = 1 days;
    uint96 internal constant _BOND = 10e6;
    uint32 internal constant _EVENT_COUNT = 4; // eventCount of every commit: one event leaf per publisher

    struct Root {
        uint64 epoch;
        bytes32 eventsRoot;
        bytes32 balanceRoot;
        uint256 spent;
        uint64 committedAt;
        uint32 revision;
        uint256[4] earned;
    }

    ParticipantRegistry public immutable registry;
    SettlementToken public immutable token;
    CampaignEscrow public immutable escrow;
    address public immutable attester;

    uint256 public deposits;
    uint256 public payouts;
    uint256 public feesWithdrawn;
    uint256 public refunds;
    bool public closedCampaignMovedMoney;
    bool public pausedEscrowMovedMoney;
    bool public frozenRootMatured;
    bool public staleRevisionCommitted;
    mapping(bytes4 selector => uint256) public successes; // escrow calls that succeeded, by function

    uint256[2] internal _ids;
    uint256[2] internal _gross;
    mapping(uint256 index => Root[]) internal _roots;
    mapping(uint256 index => uint256[4]) internal _lineage;
    mapping(uint256 index => uint32) internal _lineageRevision;
    mapping(uint256 index => bytes32) internal _closedState;

    constructor() {
        registry = new ParticipantRegistry(address(this));
        token = new SettlementToken("Invariant USD", "iUSD", address(this));
        escrow = new CampaignEscrow(address(registry));
        attester = VM.addr(_ATTESTER_KEY);
        escrow.setTokenConfig(address(token), true, 250, _BOND);
        escrow.setTreasury(TREASURY);
        escrow.setParams(
            ICampaignEscrow.EscrowParams({
                settlementGrace: 3 days,
                resolutionPeriod: 2 days,
                claimPeriod: 5 days,
                minChallengeWindow: 1 hours,
                maxChallengeWindow: 30 days
            })
        );
        _onboard(ADVERTISER, IParticipantRegistry.Role.Advertiser);
        _onboard(attester, IParticipantRegistry.Role.Attester);
        _onboard(AUDITOR, IParticipantRegistry.Role.Auditor);
        _fundActor(ADVERTISER);
        for (uint256 i; i < PUBLISHERS; ++i) {
            _onboard(publisher(i), IParticipantRegistry.Role.Publisher);
            _fundActor(publisher(i));
        }
        address[] memory attesters = new address[](1);
        attesters[0] = attester;
        for (uint256 i; i < CAMPAIGNS; ++i) {
            VM.prank(ADVERTISER);
            _ids[i] = escrow.createCampaign(
                address(token), bytes32(i), attesters, 1, address(0), _WINDOW, uint64(block.timestamp + 10 days)
            );
            VM.prank(ADVERTISER);
            escrow.fund(_ids[i], 2_000_000);
            deposits += 2_000_000;
        }
    }

    // ---------------------------------------------------------------- actions

    function fund(uint256 index, uint256 amount) external {
        index %= CAMPAIGNS;
        amount = 1 + amount % 1_000_000;
        if (_call(index, ADVERTISER, abi.encodeCall(escrow.fund, (_ids[index], amount)))) deposits += amount;
    }

    function commit(uint256 index, uint256 seed) external {
        index %= CAMPAIGNS;
        seed = uint256(keccak256(abi.encode(seed, index))); // spread the fuzzer's small numbers over all bits
        uint256 id = _ids[index];
        ICampaignEscrow.Campaign memory c = escrow.campaign(id);
        (uint256[4] memory earned, uint256 spent) = _nextFigures(index, c, seed);
        Root memory root = Root({
            epoch: c.latestEpoch + 1 + uint64((seed >> 120) % 3),
            eventsRoot: keccak256(abi.encode(id, seed)),
            balanceRoot: _balanceRoot(id, earned),
            spent: spent,
            committedAt: uint64(block.timestamp),
            revision: c.revision,
            earned: earned
        });
        VM.warp(block.timestamp + (seed >> 140) % 6 hours);
        root.committedAt = uint64(block.timestamp);
        if (c.revision != 0 && seed % 16 == 1) {
            // Signed before the last upheld or expired challenge: it must never land.
            root.revision = c.revision - 1;
            if (_call(index, address(this), _commitCall(id, root))) staleRevisionCommitted = true;
            return;
        }
        if (!_call(index, address(this), _commitCall(id, root))) return;
        _roots[index].push(root);
        _lineage[index] = earned;
    }

    /// @dev One time in four any root (to exercise the refusals); otherwise, like a keeper,
    /// the newest root whose window has passed, sometimes after waiting for the newest one's.
    function mature(uint256 index, uint256 seed) external {
        index %= CAMPAIGNS;
        Root[] storage roots = _roots[index];
        if (roots.length == 0) return;
        if (seed % 4 == 0) {
            _mature(index, roots[roots.length - 1 - (seed >> 8) % roots.length]);
            return;
        }
        if (seed % 4 == 1) {
            uint256 maturesAt = _windowStart(index, roots[roots.length - 1]) + _WINDOW;
            if (maturesAt > block.timestamp) VM.warp(maturesAt);
        }
        _matureNewest(index);
    }

    /// @dev One claim in five asks for one unit more than the leaf holds: it must never pay.
    /// Every third call matures the newest maturable root first, as the keeper does.
    function payout(uint256 index, uint256 who) external {
        index %= CAMPAIGNS;
        if (who % 3 == 0) _matureNewest(index); // a keeper matures what it can before paying
        uint256 id = _ids[index];
        (bool found, uint256 at) = _rootIndex(index, escrow.campaign(id).maturedEpoch);
        if (!found) return;
        Root storage root = _roots[index][at];
        uint256 p = who % PUBLISHERS;
        address account = publisher(p);
        uint256 claim = root.earned[p] + (who % 5 == 4 ? 1 : 0);
        uint256 settledBefore = escrow.settledOf(id, account);
        uint256 balanceBefore = token.balanceOf(account);
        bytes memory data = abi.encodeCall(escrow.payout, (id, account, claim, _proof(id, root.earned, p)));
        if (!_call(index, address(this), data)) return;
        payouts += token.balanceOf(account) - balanceBefore;
        _gross[index] += escrow.settledOf(id, account) - settledBefore;
    }

    function challenge(uint256 index, uint256 back, uint256 who) external {
        index %= CAMPAIGNS;
        Root[] storage roots = _roots[index];
        if (roots.length == 0) return;
        Root storage root = roots[roots.length - 1 - back % roots.length];
        uint256 id = _ids[index];
        address challenger = ADVERTISER;
        uint256 claim;
        bytes32[] memory proof;
        if (who % 5 != 4) {
            uint256 p = who % PUBLISHERS;
            challenger = publisher(p);
            claim = root.earned[p];
            proof = _proof(id, root.earned, p);
        }
        _call(index, challenger, abi.encodeCall(escrow.challenge, (id, root.epoch, _record(root), claim, proof)));
    }

    /// @dev Resolves whichever campaign has an open challenge, starting at `index`.
    function resolve(uint256 index, bool upheld) external {
        index %= CAMPAIGNS;
        for (uint256 i; i < CAMPAIGNS; ++i) {
            uint256 at = (index + i) % CAMPAIGNS;
            if (escrow.openChallenge(_ids[at]).challenger != address(0)) {
                _call(at, AUDITOR, abi.encodeCall(escrow.resolveChallenge, (_ids[at], upheld)));
                return;
            }
        }
    }

    /// @dev Half the time waits for the open challenge's resolution deadline first.
    function expire(uint256 index, uint256 seed) external {
        index %= CAMPAIGNS;
        uint256 deadline = escrow.openChallenge(_ids[index]).deadline;
        if (seed % 2 == 0 && deadline >= block.timestamp) VM.warp(deadline + 1);
        _call(index, address(this), abi.encodeCall(escrow.expireChallenge, (_ids[index])));
    }

    /// @dev Ends the campaign one time in three (an ended campaign takes commits only in the grace).
    function endCampaign(uint256 index, uint256 seed) external {
        index %= CAMPAIGNS;
        if (seed % 3 == 0) _call(index, ADVERTISER, abi.encodeCall(escrow.endCampaign, (_ids[index])));
    }

    /// @dev Unpauses a paused campaign; pauses one time in four, so pauses stay short.
    function toggleCampaignPause(uint256 index, uint256 seed) external {
        index %= CAMPAIGNS;
        uint256 id = _ids[index];
        if (escrow.campaign(id).paused) {
            _call(index, ADVERTISER, abi.encodeCall(escrow.unpauseCampaign, (id)));
        } else if (seed % 4 == 0) {
            _call(index, ADVERTISER, abi.encodeCall(escrow.pauseCampaign, (id)));
        }
    }

    /// @dev One time in four the advertiser first waits until a refund may be due (and, one
    /// time in eight, for the claim period too) and matures what it can.
    function refund(uint256 index, uint256 seed) external {
        index %= CAMPAIGNS;
        if (seed % 4 == 0) {
            ICampaignEscrow.Campaign memory c = escrow.campaign(_ids[index]);
            uint256 due = uint256(c.endTime) + c.settlementGrace + c.challengeWindow + (seed % 8 == 0 ? 5 days : 0);
            if (due > block.timestamp) VM.warp(due);
            _matureNewest(index);
        }
        uint256 advertiserBefore = token.balanceOf(ADVERTISER);
        uint256 treasuryBefore = token.balanceOf(TREASURY);
        if (!_call(index, ADVERTISER, abi.encodeCall(escrow.refund, (_ids[index])))) return;
        refunds += token.balanceOf(ADVERTISER) - advertiserBefore;
        feesWithdrawn += token.balanceOf(TREASURY) - treasuryBefore;
        _closedState[index] = _stateHash(_ids[index]);
    }

    function withdrawFees() external {
        uint256[] memory ids = new uint256[](CAMPAIGNS);
        for (uint256 i; i < CAMPAIGNS; ++i) {
            ids[i] = _ids[i];
        }
        uint256 treasuryBefore = token.balanceOf(TREASURY);
        (bool ok,) = address(escrow).call(abi.encodeCall(escrow.withdrawFees, (address(token), ids)));
        if (!ok) return;
        successes[escrow.withdrawFees.selector] += 1;
        feesWithdrawn += token.balanceOf(TREASURY) - treasuryBefore;
    }

    /// @dev Anyone can send tokens to the escrow without funding a campaign.
    function donate(uint256 amount) external {
        token.mint(address(escrow), amount % 1_000_000);
    }

    /// @dev 6 hours to 3 days: the fuzzer favours small numbers, which would barely move time.
    function warp(uint256 steps) external {
        VM.warp(block.timestamp + (1 + steps % 12) * 6 hours);
    }

    /// @dev Pauses the escrow, tries one money-moving call (which must fail), and unpauses:
    /// a pause that outlived one action would only waste the rest of the sequence.
    function globalPauseProbe(uint256 index, uint256 who) external {
        index %= CAMPAIGNS;
        escrow.pause();
        uint256 balanceBefore = token.balanceOf(address(escrow));
        this.payout(index, who);
        this.refund(index, 1);
        this.fund(index, who);
        if (token.balanceOf(address(escrow)) != balanceBefore) pausedEscrowMovedMoney = true;
        escrow.unpause();
    }

    // ------------------------------------------------------------------ views

    function publisher(uint256 p) public pure returns (address) {
        return address(uint160(0xB0 + p));
    }

    function campaignId(uint256 index) external view returns (uint256) {
        return _ids[index];
    }

    /// @notice Payouts plus fees observed for a campaign's publishers.
    function gross(uint256 index) external view returns (uint256) {
        return _gross[index];
    }

    /// @notice A publisher's cumulative earnings in the campaign's matured root (0 when none).
    function maturedEarned(uint256 index, uint256 p) external view returns (uint256) {
        return _maturedEarned(index, escrow.campaign(_ids[index]).maturedEpoch)[p];
    }

    /// @notice True unless a closed campaign's money state changed since it closed.
    function closedStateUnchanged(uint256 index) external view returns (bool) {
        return _closedState[index] == _stateHash(_ids[index]);
    }

    // -------------------------------------------------------------- internals

    /// @dev Calls the escrow as `sender`; flags any token movement in a call on a closed campaign.
    function _call(uint256 index, address sender, bytes memory data) internal returns (bool ok) {
        bool closedBefore = escrow.campaign(_ids[index]).closed;
        uint256 balanceBefore = token.balanceOf(address(escrow));
        if (sender != address(this)) VM.prank(sender);
        (ok,) = address(escrow).call(data);
        if (ok) successes[bytes4(data)] += 1;
        if (closedBefore && token.balanceOf(address(escrow)) != balanceBefore) closedCampaignMovedMoney = true;
    }

    /// @dev Each publisher earns a little more; one commit in eight under-states the spend.
    function _nextFigures(uint256 index, ICampaignEscrow.Campaign memory c, uint256 seed)
        internal
        returns (uint256[4] memory earned, uint256 spent)
    {
        if (c.revision != _lineageRevision[index]) {
            _lineage[index] = _maturedEarned(index, c.maturedEpoch);
            _lineageRevision[index] = c.revision;
        }
        earned = _lineage[index];
        for (uint256 i; i < PUBLISHERS; ++i) {
            earned[i] += (seed >> (i * 20)) % 300_000;
            spent += earned[i];
        }
        if (seed % 8 == 0) {
            spent -= (seed >> 100) % (spent + 1);
            if (spent < c.cumulativeSpent) spent = c.cumulativeSpent;
        }
    }

    function _commitCall(uint256 id, Root memory root) internal view returns (bytes memory) {
        bytes32 digest = escrow.attestationDigest(
            id, root.epoch, root.eventsRoot, root.balanceRoot, root.spent, _EVENT_COUNT, root.revision
        );
        (uint8 v, bytes32 r, bytes32 s) = VM.sign(_ATTESTER_KEY, digest);
        bytes[] memory signatures = new bytes[](1);
        signatures[0] = abi.encodePacked(r, s, v);
        return abi.encodeCall(
            escrow.commitSettlement,
            (id, root.epoch, root.eventsRoot, root.balanceRoot, root.spent, _EVENT_COUNT, root.revision, signatures)
        );
    }

    /// @dev Matures the newest root of the current revision whose window has passed, if any.
    function _matureNewest(uint256 index) internal {
        Root[] storage roots = _roots[index];
        ICampaignEscrow.Campaign memory c = escrow.campaign(_ids[index]);
        for (uint256 i = roots.length; i > 0; --i) {
            Root storage root = roots[i - 1];
            if (root.epoch <= c.maturedEpoch || root.revision != c.revision) return;
            if (_windowStart(index, root) + _WINDOW <= block.timestamp) {
                _mature(index, root);
                return;
            }
        }
    }

    /// @dev Flags a root that matured while its campaign had an open challenge or after it was discarded.
    function _mature(uint256 index, Root storage root) internal {
        uint256 id = _ids[index];
        bool challenged = escrow.openChallenge(id).challenger != address(0);
        bool discarded = root.revision != escrow.campaign(id).revision;
        if (_call(index, address(this), abi.encodeCall(escrow.matureSettlement, (id, root.epoch, _record(root))))) {
            if (challenged || discarded) frozenRootMatured = true;
        }
    }

    function _windowStart(uint256 index, Root storage root) internal view returns (uint256) {
        uint256 resumedAt = escrow.campaign(_ids[index]).resumedAt;
        return root.committedAt > resumedAt ? root.committedAt : resumedAt;
    }

    function _onboard(address account, IParticipantRegistry.Role role) internal {
        registry.setRoles(account, uint16(1) << uint8(role));
        registry.setKyc(account, uint64(block.timestamp + 3_650 days));
    }

    function _fundActor(address account) internal {
        token.mint(account, 1e15);
        VM.prank(account);
        token.approve(address(escrow), type(uint256).max);
    }

    function _maturedEarned(uint256 index, uint64 maturedEpoch) internal view returns (uint256[4] memory earned) {
        (bool found, uint256 at) = _rootIndex(index, maturedEpoch);
        if (found) earned = _roots[index][at].earned;
    }

    function _rootIndex(uint256 index, uint64 epoch) internal view returns (bool found, uint256 at) {
        Root[] storage roots = _roots[index];
        for (uint256 i = roots.length; i > 0; --i) {
            if (roots[i - 1].epoch == epoch) return (true, i - 1);
        }
    }

    function _record(Root storage root) internal view returns (ICampaignEscrow.SettlementRecord memory) {
        return ICampaignEscrow.SettlementRecord(
            root.eventsRoot, root.balanceRoot, root.spent, root.committedAt, root.revision
        );
    }

    function _leaves(uint256 id, uint256[4] memory earned) internal pure returns (bytes32[4] memory leaves) {
        for (uint256 i; i < PUBLISHERS; ++i) {
            leaves[i] = keccak256(bytes.concat(keccak256(abi.encode(id, publisher(i), earned[i]))));
        }
    }

    function _balanceRoot(uint256 id, uint256[4] memory earned) internal pure returns (bytes32) {
        bytes32[4] memory leaves = _leaves(id, earned);
        return Hashes.commutativeKeccak256(
            Hashes.commutativeKeccak256(leaves[0], leaves[1]), Hashes.commutativeKeccak256(leaves[2], leaves[3])
        );
    }

    function _proof(uint256 id, uint256[4] memory earned, uint256 p) internal pure returns (bytes32[] memory proof) {
        bytes32[4] memory leaves = _leaves(id, earned);
        uint256 other = p < 2 ? 2 : 0;
        proof = new bytes32[](2);
        proof[0] = leaves[p ^ 1];
        proof[1] = Hashes.commutativeKeccak256(leaves[other], leaves[other + 1]);
    }

    function _stateHash(uint256 id) internal view returns (bytes32) {
        ICampaignEscrow.Campaign memory c = escrow.campaign(id);
        return keccak256(
            abi.encode(c.deposited, c.cumulativeSpent, c.settled, c.feesPending, c.maturedRoot, c.maturedSpent, c.closed)
        );
    }
}
