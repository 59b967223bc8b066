// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ICampaignEscrow} from "../interfaces/ICampaignEscrow.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {EscrowState} from "./EscrowState.sol";

/// @title Campaign escrow disputes
/// @notice Challenges of unmatured roots: an advertiser or a publisher of the campaign posts
/// the bond, an auditor upholds or rejects, and a challenge nobody resolves in time counts as upheld.
/// @dev A challenge freezes every unmatured root of its campaign (see {CampaignEscrow}).
abstract contract EscrowDisputes is EscrowState, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @inheritdoc ICampaignEscrow
    /// @dev The advertiser passes any `cumulativeEarned`/`proof` (ignored). A publisher proves it
    /// belongs to the campaign with its balance leaf `(campaignId, msg.sender, cumulativeEarned)`
    /// in the challenged root or in the matured root, so one left out of the challenged root
    /// can still dispute it. Registry status is not checked: a right to dispute should not
    /// lapse with a KYC renewal, and the bond prices spam. Requirements: not paused; the campaign
    /// is open; no open challenge; `record` is the current-revision record of an unmatured
    /// `epoch`; its challenge window is open; the bond (snapshotted at creation) can be pulled.
    /// Emits {SettlementChallenged}.
    function challenge(
        uint256 campaignId,
        uint64 epoch,
        SettlementRecord calldata record,
        uint256 cumulativeEarned,
        bytes32[] calldata proof
    ) external nonReentrant {
        _whenNotPaused();
        Campaign storage c = _existing(campaignId);
        if (c.closed) revert CampaignEscrowClosed(campaignId);
        _requireNoChallenge(campaignId);
        _requireUnmatured(campaignId, c, epoch, record);
        uint256 closesAt = _windowStart(c, record) + c.challengeWindow;
        if (block.timestamp >= closesAt) revert CampaignEscrowChallengeWindowClosed(campaignId, epoch, closesAt);
        if (msg.sender != c.advertiser) {
            bytes32 leaf = _balanceLeaf(campaignId, msg.sender, cumulativeEarned);
            if (!MerkleProof.verifyCalldata(proof, record.balanceRoot, leaf)
                && !MerkleProof.verifyCalldata(proof, c.maturedRoot, leaf))
            {
                revert CampaignEscrowNotCampaignMember(campaignId, msg.sender);
            }
        }
        uint96 bond = c.challengeBond;
        uint64 deadline = uint64(block.timestamp + _params.resolutionPeriod);
        _challenges[campaignId] =
            Challenge({challenger: msg.sender, epoch: epoch, deadline: uint40(deadline), bond: bond});
        emit SettlementChallenged(campaignId, epoch, msg.sender, bond, deadline);
        if (bond != 0) _pull(c.token, msg.sender, bond);
    }

    /// @inheritdoc ICampaignEscrow
    /// @dev Requirements: not paused; caller is an active auditor; the campaign has an open
    /// challenge whose deadline has not passed. Upheld: unmatured roots are discarded, spend is
    /// rewound to the matured root's and the bond returned; rejected: the bond goes to the
    /// treasury and challenge windows restart now. Emits {ChallengeResolved}.
    function resolveChallenge(uint256 campaignId, bool upheld) external nonReentrant {
        _whenNotPaused();
        _requireActive(msg.sender, IParticipantRegistry.Role.Auditor);
        Challenge memory open = _openChallenge(campaignId);
        if (block.timestamp > open.deadline) {
            revert CampaignEscrowResolutionDeadlinePassed(campaignId, open.deadline);
        }
        _close(campaignId, open, upheld ? ChallengeOutcome.Upheld : ChallengeOutcome.Rejected);
    }

    /// @inheritdoc ICampaignEscrow
    /// @dev Anyone may call. Requirements: not paused; the campaign has an open challenge whose
    /// deadline has passed. Same effect as upheld. Emits {ChallengeResolved}.
    function expireChallenge(uint256 campaignId) external nonReentrant {
        _whenNotPaused();
        Challenge memory open = _openChallenge(campaignId);
        if (block.timestamp <= open.deadline) {
            revert CampaignEscrowResolutionDeadlineNotReached(campaignId, open.deadline);
        }
        _close(campaignId, open, ChallengeOutcome.Expired);
    }

    function _close(uint256 campaignId, Challenge memory open, ChallengeOutcome outcome) private {
        Campaign storage c = _campaigns[campaignId];
        delete _challenges[campaignId];
        address bondTo;
        if (outcome == ChallengeOutcome.Rejected) {
            c.resumedAt = uint40(block.timestamp);
            bondTo = _treasury;
        } else {
            _validThrough[campaignId][c.revision] = c.maturedEpoch;
            c.revision += 1;
            c.revisionStart = c.latestEpoch;
            c.cumulativeSpent = c.maturedSpent;
            bondTo = open.challenger;
        }
        emit ChallengeResolved(
            campaignId, open.epoch, msg.sender, outcome, open.bond, c.revision, c.cumulativeSpent
        );
        if (open.bond != 0) IERC20(c.token).safeTransfer(bondTo, open.bond);
    }

    function _openChallenge(uint256 campaignId) private view returns (Challenge memory open) {
        open = _challenges[campaignId];
        if (open.challenger == address(0)) revert CampaignEscrowNoChallenge(campaignId);
    }
}
