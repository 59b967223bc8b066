// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IParticipantRegistry} from "./IParticipantRegistry.sol";

/// @title Campaign escrow interface
/// @notice Advertisers fund campaign budgets; attesters commit Merkle roots of billed events
/// and of cumulative publisher earnings; matured roots pay publishers, challenged ones wait
/// for an auditor.
/// @dev Leaves follow OpenZeppelin's StandardMerkleTree convention
/// (`keccak256(bytes.concat(keccak256(abi.encode(...))))`, sorted-pair hashing):
/// - balance leaf `abi.encode(uint256 campaignId, address publisher, uint256 cumulativeEarned)`;
/// - event leaf `abi.encode(uint256 campaignId, uint64 epoch, bytes32 eventHash, address publisher,
///   uint8 kind, uint256 price)`.
/// Storage keeps one slot per committed epoch: the hash of its {SettlementRecord}. The record
/// itself travels in calldata where it is needed (maturing, challenging, {verifyEvent}); the
/// roots are in {SettlementCommitted}, `committedAt` is that log's block timestamp and
/// `revision` is the campaign's revision at the time ({ChallengeResolved} carries it).
/// Money is in base units of the campaign's token and fits 96 bits per campaign.
interface ICampaignEscrow {
    /// @notice How an auditor (or the deadline) closed a challenge.
    enum ChallengeOutcome {
        Upheld,
        Rejected,
        Expired
    }

    /// @notice Per-token settings; a campaign snapshots `feeBps` and `challengeBond` at creation.
    struct TokenConfig {
        bool allowed;
        uint16 feeBps;
        uint96 challengeBond;
    }

    /// @notice Global timing parameters, in seconds; `settlementGrace` is snapshotted per campaign.
    struct EscrowParams {
        uint32 settlementGrace;
        uint32 resolutionPeriod;
        uint32 claimPeriod;
        uint32 minChallengeWindow;
        uint32 maxChallengeWindow;
    }

    /// @notice A campaign as stored: the field order is the storage packing (comments name the
    /// slot and the calls that read it), so the hot paths touch as few slots as possible.
    struct Campaign {
        // slot 0: commitSettlement, advertiser calls
        address advertiser;
        uint40 endTime;
        uint32 settlementGrace;
        uint8 threshold;
        bool paused;
        // slot 1: commitSettlement (read and written)
        uint96 deposited;
        uint96 cumulativeSpent;
        uint64 latestEpoch; // highest epoch ever committed; the next one must exceed it
        // slot 2: commitSettlement, matureSettlement, challenge
        address verifier; // 0 = none; else its signature is required on every commit
        uint32 revision; // +1 each time an upheld or expired challenge discards unmatured roots
        uint32 challengeWindow;
        // slot 3: payout
        address token;
        uint96 maturedSpent; // cumulativeSpent of the matured root; bounds `settled`
        // slot 4: payout
        bytes32 maturedRoot; // balance root payouts pay against; 0 until a root matures
        // slot 5: payout (read and written: the only campaign slot a payout writes)
        uint96 settled; // payouts + fees: cumulative earnings settled so far
        uint96 feesPending; // accrued platform fees not yet withdrawn
        uint16 feeBps;
        bool closed; // refunded: no money moves again
        uint40 resumedAt; // when the last rejected challenge unfroze it; windows restart there
        // slot 6
        uint64 maturedEpoch;
        uint64 revisionStart; // latestEpoch when the current revision began
        uint96 challengeBond;
    }

    /// @notice The per-epoch record whose hash the contract stores.
    struct SettlementRecord {
        bytes32 eventsRoot;
        bytes32 balanceRoot;
        uint256 cumulativeSpent;
        uint64 committedAt;
        uint32 revision;
    }

    /// @notice An open challenge; `challenger == address(0)` means none.
    struct Challenge {
        address challenger;
        uint64 epoch;
        uint40 deadline;
        uint96 bond;
    }

    /// @notice The fields of an event leaf besides `campaignId` and `epoch`.
    struct EventLeaf {
        bytes32 eventHash;
        address publisher;
        uint8 kind;
        uint256 price;
    }

    error CampaignEscrowZeroAddress();
    error CampaignEscrowUnauthorized(address caller);
    error CampaignEscrowInactiveParticipant(address account, IParticipantRegistry.Role role);
    error CampaignEscrowPaused();
    error CampaignEscrowNotPaused();
    error CampaignEscrowFeeTooHigh(uint16 feeBps, uint16 maxFeeBps);
    error CampaignEscrowInvalidParams(EscrowParams params);
    error CampaignEscrowTokenNotAllowed(address token);
    error CampaignEscrowUnknownCampaign(uint256 campaignId);
    error CampaignEscrowNotAdvertiser(uint256 campaignId, address caller);
    error CampaignEscrowInvalidAttesters(uint256 count, uint256 maxCount);
    error CampaignEscrowInvalidThreshold(uint8 threshold, uint256 attesters);
    error CampaignEscrowDuplicateAttester(address attester);
    error CampaignEscrowInvalidChallengeWindow(uint32 challengeWindow, uint32 minWindow, uint32 maxWindow);
    error CampaignEscrowInvalidEndTime(uint64 endTime, uint256 now_);
    error CampaignEscrowZeroAmount();
    error CampaignEscrowDepositOverflow(uint256 campaignId, uint256 deposited);
    error CampaignEscrowTransferShortfall(address token, uint256 expected, uint256 received);
    error CampaignEscrowInsufficientAllowance(address token, address owner, uint256 allowance, uint256 needed);
    error CampaignEscrowClosed(uint256 campaignId);
    error CampaignEscrowCampaignPaused(uint256 campaignId);
    error CampaignEscrowCampaignNotPaused(uint256 campaignId);
    error CampaignEscrowAlreadyEnded(uint256 campaignId, uint64 endTime);
    error CampaignEscrowSettlementClosed(uint256 campaignId, uint256 closedAt);
    error CampaignEscrowEpochNotIncreasing(uint256 campaignId, uint64 epoch, uint64 latestEpoch);
    /// @dev The attestation was signed at revision `signed`; a challenge has since moved the campaign to `current`.
    error CampaignEscrowStaleRevision(uint256 campaignId, uint32 signed, uint32 current);
    error CampaignEscrowSpendDecreased(uint256 campaignId, uint256 cumulativeSpent, uint256 previous);
    error CampaignEscrowOverDeposit(uint256 campaignId, uint256 cumulativeSpent, uint256 deposited);
    error CampaignEscrowInvalidSignature(uint256 campaignId, uint256 index);
    error CampaignEscrowSignersNotAscending(uint256 campaignId, address signer);
    error CampaignEscrowUnknownSigner(uint256 campaignId, address signer);
    error CampaignEscrowThresholdNotMet(uint256 campaignId, uint256 attestations, uint8 threshold);
    error CampaignEscrowVerifierMissing(uint256 campaignId, address verifier);
    error CampaignEscrowUnknownSettlement(uint256 campaignId, uint64 epoch);
    error CampaignEscrowDiscardedSettlement(uint256 campaignId, uint64 epoch, uint32 revision);
    error CampaignEscrowAlreadyMatured(uint256 campaignId, uint64 epoch, uint64 maturedEpoch);
    error CampaignEscrowChallengeWindowOpen(uint256 campaignId, uint64 epoch, uint256 maturesAt);
    error CampaignEscrowChallengeWindowClosed(uint256 campaignId, uint64 epoch, uint256 closedAt);
    error CampaignEscrowChallengeOpen(uint256 campaignId, uint64 challengedEpoch);
    error CampaignEscrowNoChallenge(uint256 campaignId);
    error CampaignEscrowNotCampaignMember(uint256 campaignId, address challenger);
    error CampaignEscrowResolutionDeadlinePassed(uint256 campaignId, uint64 deadline);
    error CampaignEscrowResolutionDeadlineNotReached(uint256 campaignId, uint64 deadline);
    error CampaignEscrowNoMaturedRoot(uint256 campaignId);
    error CampaignEscrowInvalidProof(uint256 campaignId, address publisher, uint256 cumulativeEarned);
    error CampaignEscrowNothingToPay(uint256 campaignId, address publisher, uint256 cumulativeEarned, uint256 settled);
    error CampaignEscrowOverSpend(uint256 campaignId, uint256 settled, uint256 maturedSpent);
    error CampaignEscrowRefundTooEarly(uint256 campaignId, uint256 availableAt);
    error CampaignEscrowUnmaturedSettlement(uint256 campaignId, uint64 latestEpoch, uint64 maturedEpoch);
    error CampaignEscrowUnpaidEarnings(uint256 campaignId, uint256 unpaid, uint256 claimDeadline);
    error CampaignEscrowTokenMismatch(uint256 campaignId, address token);

    event Paused(address indexed account);
    event Unpaused(address indexed account);
    event TreasuryChanged(address indexed treasury);
    event ParamsChanged(
        uint32 settlementGrace,
        uint32 resolutionPeriod,
        uint32 claimPeriod,
        uint32 minChallengeWindow,
        uint32 maxChallengeWindow
    );
    event TokenConfigured(address indexed token, bool allowed, uint16 feeBps, uint96 challengeBond);
    event CampaignCreated(
        uint256 indexed campaignId,
        address indexed advertiser,
        address indexed token,
        bytes32 termsHash,
        address[] attesters,
        uint8 threshold,
        address verifier,
        uint32 challengeWindow,
        uint64 endTime,
        uint32 settlementGrace,
        uint16 feeBps,
        uint96 challengeBond
    );
    event CampaignFunded(uint256 indexed campaignId, address indexed from, uint256 amount, uint256 deposited);
    event SettlementCommitted(
        uint256 indexed campaignId,
        uint64 indexed epoch,
        bytes32 eventsRoot,
        bytes32 balanceRoot,
        uint256 cumulativeSpent,
        uint32 eventCount
    );
    event SettlementMatured(uint256 indexed campaignId, uint64 indexed epoch, bytes32 balanceRoot, uint256 cumulativeSpent);
    event PaidOut(
        uint256 indexed campaignId, address indexed publisher, uint256 cumulativeEarned, uint256 amount, uint256 fee
    );
    event FeesWithdrawn(uint256 indexed campaignId, address indexed token, address indexed treasury, uint256 amount);
    event SettlementChallenged(
        uint256 indexed campaignId, uint64 indexed epoch, address indexed challenger, uint256 bond, uint64 deadline
    );
    /// @dev Upheld/Expired: every unmatured root is discarded, `revision` is the new revision and
    /// `cumulativeSpent` is rewound to the matured root's; the bond goes back to the challenger.
    /// Rejected: `revision` and `cumulativeSpent` are unchanged, the bond goes to the treasury and
    /// challenge windows of unmatured roots restart at this block's timestamp.
    event ChallengeResolved(
        uint256 indexed campaignId,
        uint64 indexed epoch,
        address indexed resolver,
        ChallengeOutcome outcome,
        uint256 bond,
        uint32 revision,
        uint256 cumulativeSpent
    );
    event CampaignPaused(uint256 indexed campaignId);
    event CampaignUnpaused(uint256 indexed campaignId);
    event CampaignEnded(uint256 indexed campaignId, uint64 endTime);
    event CampaignRefunded(uint256 indexed campaignId, address indexed advertiser, uint256 amount);

    // ---- admin ----

    /// @notice Allow or disallow `token` for new campaigns and funding, with its platform fee and challenge bond.
    function setTokenConfig(address token, bool allowed, uint16 feeBps, uint96 challengeBond) external;

    /// @notice Replace the global timing parameters.
    function setParams(EscrowParams calldata newParams) external;

    /// @notice Set the account that receives platform fees and forfeited bonds.
    function setTreasury(address newTreasury) external;

    /// @notice Stop every call that moves money or settlement state, on all campaigns.
    function pause() external;

    /// @notice Lift the global pause.
    function unpause() external;

    /// @notice Send the accrued fees of `campaignIds` (all in `token`) to the treasury in one transfer.
    function withdrawFees(address token, uint256[] calldata campaignIds) external returns (uint256 total);

    // ---- advertiser ----

    /// @notice Open a campaign paying in `token`; returns its id.
    function createCampaign(
        address token,
        bytes32 termsHash,
        address[] calldata attesters,
        uint8 threshold,
        address verifier,
        uint32 challengeWindow,
        uint64 endTime
    ) external returns (uint256 campaignId);

    /// @notice Add `amount` to the campaign's budget with a prior ERC-20 approval.
    function fund(uint256 campaignId, uint256 amount) external;

    /// @notice Add `amount` to the campaign's budget with an EIP-2612 permit.
    function fundWithPermit(uint256 campaignId, uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external;

    /// @notice Stop new settlements of the campaign until it is unpaused or ends.
    function pauseCampaign(uint256 campaignId) external;

    /// @notice Resume settlements of a paused campaign.
    function unpauseCampaign(uint256 campaignId) external;

    /// @notice End the campaign now: its end time becomes this block's timestamp.
    function endCampaign(uint256 campaignId) external;

    /// @notice Return the unspent budget to the advertiser and close the campaign for good.
    function refund(uint256 campaignId) external returns (uint256 amount);

    // ---- settlement ----

    /// @notice Commit an epoch's event and balance roots, signed by the campaign's attesters.
    /// @param revision the campaign revision the figures build on (signed with them); a commit
    /// whose revision a challenge has since discarded reverts.
    function commitSettlement(
        uint256 campaignId,
        uint64 epoch,
        bytes32 eventsRoot,
        bytes32 balanceRoot,
        uint256 cumulativeSpent,
        uint32 eventCount,
        uint32 revision,
        bytes[] calldata signatures
    ) external;

    /// @notice Make a committed root whose challenge window has passed the one payouts use.
    function matureSettlement(uint256 campaignId, uint64 epoch, SettlementRecord calldata record) external;

    /// @notice Pay `publisher` its cumulative earnings in the matured root, less what was settled before and the fee.
    function payout(uint256 campaignId, address publisher, uint256 cumulativeEarned, bytes32[] calldata proof)
        external
        returns (uint256 amount);

    // ---- disputes ----

    /// @notice Dispute an unmatured root, posting the campaign's challenge bond.
    function challenge(
        uint256 campaignId,
        uint64 epoch,
        SettlementRecord calldata record,
        uint256 cumulativeEarned,
        bytes32[] calldata proof
    ) external;

    /// @notice Close the campaign's open challenge as an auditor.
    function resolveChallenge(uint256 campaignId, bool upheld) external;

    /// @notice Close a challenge no auditor resolved in time; it counts as upheld.
    function expireChallenge(uint256 campaignId) external;

    // ---- views ----

    /// @notice True when `leaf` is in the events root committed for `epoch` and that root was not discarded.
    function verifyEvent(
        uint256 campaignId,
        uint64 epoch,
        EventLeaf calldata leaf,
        bytes32[] calldata proof,
        SettlementRecord calldata record
    ) external view returns (bool);

    /// @notice The EIP-712 digest attesters sign for a commit.
    function attestationDigest(
        uint256 campaignId,
        uint64 epoch,
        bytes32 eventsRoot,
        bytes32 balanceRoot,
        uint256 cumulativeSpent,
        uint32 eventCount,
        uint32 revision
    ) external view returns (bytes32);

    /// @notice The participant registry this escrow asks for roles.
    function registry() external view returns (IParticipantRegistry);

    /// @notice Receiver of platform fees and forfeited bonds.
    function treasury() external view returns (address);

    /// @notice True while the global pause is on.
    function paused() external view returns (bool);

    /// @notice The global timing parameters.
    function params() external view returns (EscrowParams memory);

    /// @notice The settings of `token`.
    function tokenConfig(address token) external view returns (TokenConfig memory);

    /// @notice Number of campaigns created; ids run from 1 to this.
    function campaignCount() external view returns (uint256);

    /// @notice The stored state of a campaign.
    function campaign(uint256 campaignId) external view returns (Campaign memory);

    /// @notice True when `account` was named an attester of the campaign.
    function isCampaignAttester(uint256 campaignId, address account) external view returns (bool);

    /// @notice The campaign's open challenge (all zero when none).
    function openChallenge(uint256 campaignId) external view returns (Challenge memory);

    /// @notice Hash of the {SettlementRecord} committed for `epoch` (0 if none).
    function settlementHash(uint256 campaignId, uint64 epoch) external view returns (bytes32);

    /// @notice Highest epoch of an old `revision` that stays valid (its later epochs were discarded).
    function validThrough(uint256 campaignId, uint32 revision) external view returns (uint64);

    /// @notice Cumulative earnings of `publisher` settled so far (its payouts plus their fees).
    function settledOf(uint256 campaignId, address publisher) external view returns (uint256);
}
