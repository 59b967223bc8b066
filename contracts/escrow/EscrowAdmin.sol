// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ICampaignEscrow} from "../interfaces/ICampaignEscrow.sol";
import {EscrowState} from "./EscrowState.sol";

/// @title Campaign escrow administration
/// @notice What the participant registry's admins configure: allowed tokens with their fee
/// and challenge bond, the timing parameters, the treasury, the global pause, fee withdrawal.
/// @dev Running campaigns keep the fee, bond and settlement grace they snapshotted at creation,
/// so no admin call changes the terms of money already escrowed.
abstract contract EscrowAdmin is EscrowState, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Highest platform fee an admin may set (10%).
    uint16 public constant MAX_FEE_BPS = 1_000;

    /// @inheritdoc ICampaignEscrow
    /// @dev Requirements: caller is a registry admin; `token` is not zero; `feeBps` <= {MAX_FEE_BPS}.
    /// Emits {TokenConfigured}.
    function setTokenConfig(address token, bool allowed, uint16 feeBps, uint96 challengeBond) external {
        _onlyAdmin();
        if (token == address(0)) revert CampaignEscrowZeroAddress();
        if (feeBps > MAX_FEE_BPS) revert CampaignEscrowFeeTooHigh(feeBps, MAX_FEE_BPS);
        _tokenConfigs[token] = TokenConfig({allowed: allowed, feeBps: feeBps, challengeBond: challengeBond});
        emit TokenConfigured(token, allowed, feeBps, challengeBond);
    }

    /// @inheritdoc ICampaignEscrow
    /// @dev Requirements: caller is a registry admin; `resolutionPeriod` > 0;
    /// 0 < `minChallengeWindow` <= `maxChallengeWindow`. Emits {ParamsChanged}.
    function setParams(EscrowParams calldata newParams) external {
        _onlyAdmin();
        if (
            newParams.resolutionPeriod == 0 || newParams.minChallengeWindow == 0
                || newParams.minChallengeWindow > newParams.maxChallengeWindow
        ) revert CampaignEscrowInvalidParams(newParams);
        _params = newParams;
        emit ParamsChanged(
            newParams.settlementGrace,
            newParams.resolutionPeriod,
            newParams.claimPeriod,
            newParams.minChallengeWindow,
            newParams.maxChallengeWindow
        );
    }

    /// @inheritdoc ICampaignEscrow
    /// @dev Requirements: caller is a registry admin; `newTreasury` is not zero. Emits {TreasuryChanged}.
    function setTreasury(address newTreasury) external {
        _onlyAdmin();
        if (newTreasury == address(0)) revert CampaignEscrowZeroAddress();
        _treasury = newTreasury;
        emit TreasuryChanged(newTreasury);
    }

    /// @inheritdoc ICampaignEscrow
    /// @dev Requirements: caller is a registry admin; not paused. Advertisers may still pause
    /// and end their campaigns (both only protect them). Emits {Paused}.
    function pause() external {
        _onlyAdmin();
        _whenNotPaused();
        _paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc ICampaignEscrow
    /// @dev Requirements: caller is a registry admin; paused. Emits {Unpaused}.
    function unpause() external {
        _onlyAdmin();
        if (!_paused) revert CampaignEscrowNotPaused();
        _paused = false;
        emit Unpaused(msg.sender);
    }

    /// @inheritdoc ICampaignEscrow
    /// @dev Requirements: caller is a registry admin; not paused; every campaign exists and pays
    /// in `token`. Campaigns without accrued fees are skipped. Emits {FeesWithdrawn} per campaign paid.
    function withdrawFees(address token, uint256[] calldata campaignIds) external nonReentrant returns (uint256 total) {
        _onlyAdmin();
        _whenNotPaused();
        address to = _treasury;
        for (uint256 i; i < campaignIds.length; ++i) {
            uint256 campaignId = campaignIds[i];
            Campaign storage c = _existing(campaignId);
            if (c.token != token) revert CampaignEscrowTokenMismatch(campaignId, token);
            uint256 amount = c.feesPending;
            if (amount == 0) continue;
            c.feesPending = 0;
            total += amount;
            emit FeesWithdrawn(campaignId, token, to, amount);
        }
        if (total != 0) IERC20(token).safeTransfer(to, total);
    }
}
