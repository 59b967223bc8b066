// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ICampaignEscrow} from "../interfaces/ICampaignEscrow.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";

/// @title Campaign escrow state
/// @notice The escrow's storage, its read-only views and the checks every part of it shares.
/// @dev The storage order is the gas layout: treasury and the pause flag share a slot (payout
/// reads the flag, refund and fee withdrawal the treasury). {EscrowAdmin} changes the global
/// settings; {CampaignEscrow} runs campaigns, settlements and disputes on this state.
abstract contract EscrowState is ICampaignEscrow {
    using SafeERC20 for IERC20;

    IParticipantRegistry internal immutable _registry;

    address internal _treasury;
    bool internal _paused;

    EscrowParams internal _params;
    uint256 internal _campaignCount;

    mapping(address token => TokenConfig) internal _tokenConfigs;
    mapping(uint256 campaignId => Campaign) internal _campaigns;
    mapping(uint256 campaignId => mapping(address account => bool)) internal _attesters;
    // keccak256(abi.encode(SettlementRecord)) per committed epoch; 0 = never committed.
    mapping(uint256 campaignId => mapping(uint64 epoch => bytes32)) internal _settlementHashes;
    // For each finished revision: the matured epoch when it was discarded; its later epochs are void.
    mapping(uint256 campaignId => mapping(uint32 revision => uint64)) internal _validThrough;
    mapping(uint256 campaignId => mapping(address publisher => uint256)) internal _settledBy;
    // challenger == address(0): no open challenge.
    mapping(uint256 campaignId => Challenge) internal _challenges;

    /// @param registry_ the ParticipantRegistry; its admins administer this escrow. The deployer
    /// is the first treasury; the timing parameters start at 7 days of settlement grace, 3 days
    /// to resolve a challenge, 30 days to claim, challenge windows of 1 hour to 30 days.
    constructor(address registry_) {
        if (registry_ == address(0)) revert CampaignEscrowZeroAddress();
        _registry = IParticipantRegistry(registry_);
        _treasury = msg.sender;
        _params = EscrowParams({
            settlementGrace: 7 days,
            resolutionPeriod: 3 days,
            claimPeriod: 30 days,
            minChallengeWindow: 1 hours,
            maxChallengeWindow: 30 days
        });
        emit TreasuryChanged(msg.sender);
        emit ParamsChanged(7 days, 3 days, 30 days, 1 hours, 30 days);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ICampaignEscrow
    function registry() external view returns (IParticipantRegistry) {
        return _registry;
    }

    /// @inheritdoc ICampaignEscrow
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @inheritdoc ICampaignEscrow
    function paused() external view returns (bool) {
        return _paused;
    }

    /// @inheritdoc ICampaignEscrow
    function params() external view returns (EscrowParams memory) {
        return _params;
    }

    /// @inheritdoc ICampaignEscrow
    function tokenConfig(address token) external view returns (TokenConfig memory) {
        return _tokenConfigs[token];
    }

    /// @inheritdoc ICampaignEscrow
    function campaignCount() external view returns (uint256) {
        return _campaignCount;
    }

    /// @inheritdoc ICampaignEscrow
    function campaign(uint256 campaignId) external view returns (Campaign memory) {
        return _campaigns[campaignId];
    }

    /// @inheritdoc ICampaignEscrow
    function isCampaignAttester(uint256 campaignId, address account) external view returns (bool) {
        return _attesters[campaignId][account];
    }

    /// @inheritdoc ICampaignEscrow
    function openChallenge(uint256 campaignId) external view returns (Challenge memory) {
        return _challenges[campaignId];
    }

    /// @inheritdoc ICampaignEscrow
    function settlementHash(uint256 campaignId, uint64 epoch) external view returns (bytes32) {
        return _settlementHashes[campaignId][epoch];
    }

    /// @inheritdoc ICampaignEscrow
    function validThrough(uint256 campaignId, uint32 revision) external view returns (uint64) {
        return _validThrough[campaignId][revision];
    }

    /// @inheritdoc ICampaignEscrow
    function settledOf(uint256 campaignId, address publisher) external view returns (uint256) {
        return _settledBy[campaignId][publisher];
    }

    // ----------------------------------------------------------- shared checks

    /// @dev Pulls `amount` and refuses a token that delivers less (fee-on-transfer, rebasing down).
    function _pull(address token, address from, uint256 amount) internal {
        uint256 balanceBefore = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(from, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - balanceBefore;
        if (received != amount) revert CampaignEscrowTransferShortfall(token, amount, received);
    }

    function _existing(uint256 campaignId) internal view returns (Campaign storage c) {
        c = _campaigns[campaignId];
        if (c.advertiser == address(0)) revert CampaignEscrowUnknownCampaign(campaignId);
    }

    function _requireActive(address account, IParticipantRegistry.Role role) internal view {
        if (!_registry.isActive(account, role)) revert CampaignEscrowInactiveParticipant(account, role);
    }

    function _onlyAdmin() internal view {
        if (!_registry.isAdmin(msg.sender)) revert CampaignEscrowUnauthorized(msg.sender);
    }

    function _whenNotPaused() internal view {
        if (_paused) revert CampaignEscrowPaused();
    }

    /// @dev `record` must be what was committed for `epoch`, in the current revision, and later
    /// than the matured root.
    function _requireUnmatured(uint256 campaignId, Campaign storage c, uint64 epoch, SettlementRecord calldata record)
        internal
        view
    {
        bytes32 stored = _settlementHashes[campaignId][epoch];
        if (stored == bytes32(0) || stored != keccak256(abi.encode(record))) {
            revert CampaignEscrowUnknownSettlement(campaignId, epoch);
        }
        if (record.revision != c.revision) revert CampaignEscrowDiscardedSettlement(campaignId, epoch, record.revision);
        if (epoch <= c.maturedEpoch) revert CampaignEscrowAlreadyMatured(campaignId, epoch, c.maturedEpoch);
    }

    function _windowStart(Campaign storage c, SettlementRecord calldata record) internal view returns (uint256) {
        uint256 resumedAt = c.resumedAt;
        return record.committedAt > resumedAt ? record.committedAt : resumedAt;
    }

    function _requireNoChallenge(uint256 campaignId) internal view {
        Challenge storage open = _challenges[campaignId];
        if (open.challenger != address(0)) revert CampaignEscrowChallengeOpen(campaignId, open.epoch);
    }

    function _balanceLeaf(uint256 campaignId, address publisher, uint256 cumulativeEarned)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(bytes.concat(keccak256(abi.encode(campaignId, publisher, cumulativeEarned))));
    }
}
