// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ICampaignEscrow} from "./interfaces/ICampaignEscrow.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {EscrowAdmin} from "./escrow/EscrowAdmin.sol";
import {EscrowDisputes} from "./escrow/EscrowDisputes.sol";
import {EscrowState} from "./escrow/EscrowState.sol";

/// @title Campaign escrow
/// @notice Holds advertisers' campaign budgets and pays publishers from attested, matured
/// cumulative balance roots.
/// @dev Lifecycle of a root: committed (attester signatures) -> challenge window -> matured by
/// anyone ({matureSettlement}) -> payouts. A challenge freezes every unmatured root of its
/// campaign, not only the challenged one and later ones: otherwise a frivolous challenge of a
/// late root would let an earlier bad root mature while the one-at-a-time rule blocks the
/// challenge it deserves. Upheld (or unresolved at the deadline): all unmatured roots are
/// discarded (a new revision starts) and payouts go on from the matured root; rejected: the
/// bond goes to the treasury and windows restart, so nobody lost the chance to dispute.
/// Payouts pay against one stored matured root rather than searching for the newest matured
/// epoch: the search needs a loop or a second storage slot per commit; instead maturing is
/// its own call, open to anyone, and monotonic.
/// The parts live in `contracts/escrow/`: {EscrowState} (storage, views, shared checks),
/// {EscrowAdmin} (tokens, parameters, treasury, pause, fees), {EscrowDisputes} (challenges);
/// this contract adds campaigns, settlement and payouts.
contract CampaignEscrow is EscrowAdmin, EscrowDisputes, EIP712 {
    using SafeERC20 for IERC20;

    /// @notice Most attesters a campaign may name (bounds the signature loop).
    uint256 public constant MAX_ATTESTERS = 16;
    /// @notice EIP-712 type attesters sign. `revision` is the campaign revision the figures build
    /// on: a commit signed before a challenge discarded its base must not land in the new revision.
    bytes32 public constant SETTLEMENT_TYPEHASH = keccak256(
        "Settlement(uint256 campaignId,uint64 epoch,bytes32 eventsRoot,bytes32 balanceRoot,uint256 cumulativeSpent,uint32 eventCount,uint32 revision)"
    );

    uint256 private constant _BPS = 10_000;

    /// @param registry_ the ParticipantRegistry; its admins administer this escrow.
    constructor(address registry_) EscrowState(registry_) EIP712("trustledger CampaignEscrow", "1") {}

    // ------------------------------------------------------------- advertiser

    /// @inheritdoc ICampaignEscrow
    /// @dev Requirements: not paused; caller is an active advertiser; `token` is allowed;
    /// 1..{MAX_ATTESTERS} distinct, non-zero attesters, each an active attester; 1 <= `threshold` <= their
    /// number; `verifier` is zero or an active attester not among them; `challengeWindow` within
    /// the params' bounds; `endTime` in the future (and within 40 bits). The fee, bond and settlement grace are
    /// snapshotted. Emits {CampaignCreated}.
    function createCampaign(
        address token,
        bytes32 termsHash,
        address[] calldata attesters,
        uint8 threshold,
        address verifier,
        uint32 challengeWindow,
        uint64 endTime
    ) external returns (uint256 campaignId) {
        _whenNotPaused();
        _requireActive(msg.sender, IParticipantRegistry.Role.Advertiser);
        TokenConfig memory config = _tokenConfigs[token];
        if (!config.allowed) revert CampaignEscrowTokenNotAllowed(token);
        EscrowParams memory p = _params;
        if (challengeWindow < p.minChallengeWindow || challengeWindow > p.maxChallengeWindow) {
            revert CampaignEscrowInvalidChallengeWindow(challengeWindow, p.minChallengeWindow, p.maxChallengeWindow);
        }
        if (endTime <= block.timestamp || endTime > type(uint40).max) {
            revert CampaignEscrowInvalidEndTime(endTime, block.timestamp);
        }
        if (attesters.length == 0 || attesters.length > MAX_ATTESTERS) {
            revert CampaignEscrowInvalidAttesters(attesters.length, MAX_ATTESTERS);
        }
        if (threshold == 0 || threshold > attesters.length) {
            revert CampaignEscrowInvalidThreshold(threshold, attesters.length);
        }

        campaignId = ++_campaignCount;
        for (uint256 i; i < attesters.length; ++i) {
            address attester = attesters[i];
            if (attester == address(0)) revert CampaignEscrowZeroAddress();
            if (attester == verifier || _attesters[campaignId][attester]) {
                revert CampaignEscrowDuplicateAttester(attester);
            }
            _requireActive(attester, IParticipantRegistry.Role.Attester);
            _attesters[campaignId][attester] = true;
        }
        if (verifier != address(0)) _requireActive(verifier, IParticipantRegistry.Role.Attester);

        Campaign storage c = _campaigns[campaignId];
        c.advertiser = msg.sender;
        c.endTime = uint40(endTime);
        c.settlementGrace = p.settlementGrace;
        c.threshold = threshold;
        c.verifier = verifier;
        c.challengeWindow = challengeWindow;
        c.token = token;
        c.feeBps = config.feeBps;
        c.challengeBond = config.challengeBond;
        emit CampaignCreated(
            campaignId,
            msg.sender,
            token,
            termsHash,
            attesters,
            threshold,
            verifier,
            challengeWindow,
            endTime,
            p.settlementGrace,
            config.feeBps,
            config.challengeBond
        );
    }

    /// @inheritdoc ICampaignEscrow
    /// @dev Requirements: not paused; caller is the campaign's advertiser and active; the
    /// campaign is open and its token still allowed; `amount` > 0 and approved; the escrow
    /// receives exactly `amount` (fee-on-transfer tokens are refused). Emits {CampaignFunded}.
    function fund(uint256 campaignId, uint256 amount) external nonReentrant {
        _fund(campaignId, amount);
    }

    /// @inheritdoc ICampaignEscrow
    /// @dev Requirements: as {fund}. A permit that fails (for instance because someone submitted
    /// it first) is accepted when the allowance already covers `amount`. Emits {CampaignFunded}.
    function fundWithPermit(uint256 campaignId, uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        nonReentrant
    {
        address token = _existing(campaignId).token;
        try IERC20Permit(token).permit(msg.sender, address(this), amount, deadline, v, r, s) {}
        catch {
            uint256 allowance = IERC20(token).allowance(msg.sender, address(this));
            if (allowance < amount) {
                revert CampaignEscrowInsufficientAllowance(token, msg.sender, allowance, amount);
            }
        }
        _fund(campaignId, amount);
    }

    /// @inheritdoc ICampaignEscrow
    /// @dev Requirements: caller is the campaign's advertiser and active; the campaign has not
    /// ended and is not paused. Works during a global pause. Emits {CampaignPaused}.
    function pauseCampaign(uint256 campaignId) external {
        Campaign storage c = _runningByAdvertiser(campaignId);
        if (c.paused) revert CampaignEscrowCampaignPaused(campaignId);
        c.paused = true;
        emit CampaignPaused(campaignId);
    }

    /// @inheritdoc ICampaignEscrow
    /// @dev Requirements: caller is the campaign's advertiser and active; the campaign has not
    /// ended and is paused. Emits {CampaignUnpaused}.
    function unpauseCampaign(uint256 campaignId) external {
        Campaign storage c = _runningByAdvertiser(campaignId);
        if (!c.paused) revert CampaignEscrowCampaignNotPaused(campaignId);
        c.paused = false;
        emit CampaignUnpaused(campaignId);
    }

    /// @inheritdoc ICampaignEscrow
    /// @dev Requirements: caller is the campaign's advertiser and active; the campaign has not
    /// ended. Commits stay open for the settlement grace after the new end time, paused or not,
    /// so traffic already delivered is still settled. Emits {CampaignEnded}.
    function endCampaign(uint256 campaignId) external {
        Campaign storage c = _runningByAdvertiser(campaignId);
        c.endTime = uint40(block.timestamp);
        emit CampaignEnded(campaignId, uint64(block.timestamp));
    }

    /// @inheritdoc ICampaignEscrow
    /// @dev Requirements: not paused; caller is the campaign's advertiser and active; not closed;
    /// no open challenge; `endTime + settlementGrace + challengeWindow` has passed; every
    /// committed root has matured or was discarded; and either every matured earning was paid
    /// or the claim period after that time has passed too. Pays `deposited - settled` (the
    /// unspent budget plus earnings left unclaimed past the claim period) to the advertiser and
    /// the accrued fees to the treasury. Emits {CampaignRefunded} and {FeesWithdrawn} when fees
    /// were pending.
    function refund(uint256 campaignId) external nonReentrant returns (uint256 amount) {
        _whenNotPaused();
        Campaign storage c = _existing(campaignId);
        _onlyAdvertiser(campaignId, c);
        if (c.closed) revert CampaignEscrowClosed(campaignId);
        _requireNoChallenge(campaignId);
        uint256 availableAt = uint256(c.endTime) + c.settlementGrace + c.challengeWindow;
        if (block.timestamp < availableAt) revert CampaignEscrowRefundTooEarly(campaignId, availableAt);
        if (c.latestEpoch != c.maturedEpoch && c.latestEpoch != c.revisionStart) {
            revert CampaignEscrowUnmaturedSettlement(campaignId, c.latestEpoch, c.maturedEpoch);
        }
        uint256 settled = c.settled;
        uint256 unpaid = c.maturedSpent - settled;
        uint256 claimDeadline = availableAt + _params.claimPeriod;
        if (unpaid != 0 && block.timestamp < claimDeadline) {
            revert CampaignEscrowUnpaidEarnings(campaignId, unpaid, claimDeadline);
        }
        amount = c.deposited - settled;
        uint256 fees = c.feesPending;
        address token = c.token;
        address to = _treasury;
        c.closed = true;
        c.feesPending = 0;
        emit CampaignRefunded(campaignId, msg.sender, amount);
        if (fees != 0) emit FeesWithdrawn(campaignId, token, to, fees);
        if (amount != 0) IERC20(token).safeTransfer(msg.sender, amount);
        if (fees != 0) IERC20(token).safeTransfer(to, fees);
    }

    // ------------------------------------------------------------- settlement

    /// @inheritdoc ICampaignEscrow
    /// @dev Anyone may submit; the signatures authorise. `signatures` are 65-byte EIP-712
    /// signatures over {SETTLEMENT_TYPEHASH}, ordered by ascending signer address.
    /// Requirements: not paused; the campaign exists; not paused before its end time;
    /// `block.timestamp <= endTime + settlementGrace`; `epoch` > every epoch committed before;
    /// previous cumulativeSpent <= `cumulativeSpent` <= deposited; `revision` is the campaign's
    /// current revision (figures signed before an upheld or expired challenge discarded their
    /// base revert with {CampaignEscrowStaleRevision} instead of becoming a root of the new
    /// revision); at least `threshold` signatures of the campaign's attesters plus the
    /// verifier's when it has one, every signer an active attester. Emits {SettlementCommitted}.
    function commitSettlement(
        uint256 campaignId,
        uint64 epoch,
        bytes32 eventsRoot,
        bytes32 balanceRoot,
        uint256 cumulativeSpent,
        uint32 eventCount,
        uint32 revision,
        bytes[] calldata signatures
    ) external {
        _whenNotPaused();
        Campaign storage c = _campaigns[campaignId];
        _checkCommitAllowed(campaignId, c, epoch, cumulativeSpent, revision);
        bytes32 digest =
            _settlementDigest(campaignId, epoch, eventsRoot, balanceRoot, cumulativeSpent, eventCount, revision);
        _checkAttestations(campaignId, c.threshold, c.verifier, digest, signatures);

        c.cumulativeSpent = uint96(cumulativeSpent);
        c.latestEpoch = epoch;
        _settlementHashes[campaignId][epoch] =
            keccak256(abi.encode(eventsRoot, balanceRoot, cumulativeSpent, uint64(block.timestamp), revision));
        emit SettlementCommitted(campaignId, epoch, eventsRoot, balanceRoot, cumulativeSpent, eventCount);
    }

    /// @inheritdoc ICampaignEscrow
    /// @dev Anyone may call (a keeper does, once per window). Requirements: not paused; the
    /// campaign is open; no open challenge; `record` hashes to what was committed for `epoch`
    /// in the current revision; `epoch` is later than the matured one; the challenge window
    /// (from the later of commit time and the last rejected challenge) has passed.
    /// Emits {SettlementMatured}.
    function matureSettlement(uint256 campaignId, uint64 epoch, SettlementRecord calldata record) external {
        _whenNotPaused();
        Campaign storage c = _existing(campaignId);
        if (c.closed) revert CampaignEscrowClosed(campaignId);
        _requireNoChallenge(campaignId);
        _requireUnmatured(campaignId, c, epoch, record);
        uint256 maturesAt = _windowStart(c, record) + c.challengeWindow;
        if (block.timestamp < maturesAt) revert CampaignEscrowChallengeWindowOpen(campaignId, epoch, maturesAt);
        c.maturedEpoch = epoch;
        c.maturedRoot = record.balanceRoot;
        c.maturedSpent = uint96(record.cumulativeSpent);
        emit SettlementMatured(campaignId, epoch, record.balanceRoot, record.cumulativeSpent);
    }

    /// @inheritdoc ICampaignEscrow
    /// @dev Anyone may call; the money goes to `publisher`. Fees are computed on cumulative
    /// amounts (`fee(cumulative) - fee(settled before)`) so rounding never compounds, and accrue
    /// to the campaign until {withdrawFees} or {refund}. Requirements: not paused; the campaign
    /// is open and has a matured root; `publisher` is an active publisher; `proof` shows the
    /// balance leaf `(campaignId, publisher, cumulativeEarned)` in the matured root;
    /// `cumulativeEarned` exceeds what was settled for `publisher`; the campaign's settled
    /// total stays within the matured root's cumulativeSpent. Emits {PaidOut}.
    function payout(uint256 campaignId, address publisher, uint256 cumulativeEarned, bytes32[] calldata proof)
        external
        nonReentrant
        returns (uint256 amount)
    {
        _whenNotPaused();
        Campaign storage c = _campaigns[campaignId];
        address token = c.token;
        if (token == address(0)) revert CampaignEscrowUnknownCampaign(campaignId);
        if (c.closed) revert CampaignEscrowClosed(campaignId);
        bytes32 root = c.maturedRoot;
        if (root == bytes32(0)) revert CampaignEscrowNoMaturedRoot(campaignId);
        _requireActive(publisher, IParticipantRegistry.Role.Publisher);
        if (!MerkleProof.verifyCalldata(proof, root, _balanceLeaf(campaignId, publisher, cumulativeEarned))) {
            revert CampaignEscrowInvalidProof(campaignId, publisher, cumulativeEarned);
        }
        uint256 before = _settledBy[campaignId][publisher];
        if (cumulativeEarned <= before) {
            revert CampaignEscrowNothingToPay(campaignId, publisher, cumulativeEarned, before);
        }
        uint256 settled = c.settled + (cumulativeEarned - before);
        if (settled > c.maturedSpent) revert CampaignEscrowOverSpend(campaignId, settled, c.maturedSpent);
        uint256 fee;
        // settled <= maturedSpent < 2**96 bounds every term; fee(a) - fee(b) <= a - b for a >= b.
        unchecked {
            uint256 feeBps = c.feeBps;
            fee = cumulativeEarned * feeBps / _BPS - before * feeBps / _BPS;
            amount = cumulativeEarned - before - fee;
            c.feesPending += uint96(fee);
        }
        _settledBy[campaignId][publisher] = cumulativeEarned;
        c.settled = uint96(settled);
        emit PaidOut(campaignId, publisher, cumulativeEarned, amount, fee);
        IERC20(token).safeTransfer(publisher, amount);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ICampaignEscrow
    /// @dev `record` is the epoch's {SettlementRecord} (roots from {SettlementCommitted}, its
    /// block timestamp, the revision then): the contract stores only its hash, because a second
    /// slot per commit for the events root would cost 22,100 gas on every commit.
    function verifyEvent(
        uint256 campaignId,
        uint64 epoch,
        EventLeaf calldata leaf,
        bytes32[] calldata proof,
        SettlementRecord calldata record
    ) external view returns (bool) {
        bytes32 stored = _settlementHashes[campaignId][epoch];
        if (stored == bytes32(0) || stored != keccak256(abi.encode(record))) return false;
        if (record.revision != _campaigns[campaignId].revision && epoch > _validThrough[campaignId][record.revision]) {
            return false;
        }
        bytes32 leafHash = keccak256(
            bytes.concat(
                keccak256(abi.encode(campaignId, epoch, leaf.eventHash, leaf.publisher, leaf.kind, leaf.price))
            )
        );
        return MerkleProof.verifyCalldata(proof, record.eventsRoot, leafHash);
    }

    /// @inheritdoc ICampaignEscrow
    function attestationDigest(
        uint256 campaignId,
        uint64 epoch,
        bytes32 eventsRoot,
        bytes32 balanceRoot,
        uint256 cumulativeSpent,
        uint32 eventCount,
        uint32 revision
    ) external view returns (bytes32) {
        return _settlementDigest(campaignId, epoch, eventsRoot, balanceRoot, cumulativeSpent, eventCount, revision);
    }

    // -------------------------------------------------------------- internals

    /// @dev The EIP-712 digest attesters sign; {commitSettlement} checks it, {attestationDigest} shows it.
    function _settlementDigest(
        uint256 campaignId,
        uint64 epoch,
        bytes32 eventsRoot,
        bytes32 balanceRoot,
        uint256 cumulativeSpent,
        uint32 eventCount,
        uint32 revision
    ) private view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    SETTLEMENT_TYPEHASH,
                    campaignId,
                    epoch,
                    eventsRoot,
                    balanceRoot,
                    cumulativeSpent,
                    eventCount,
                    revision
                )
            )
        );
    }

    function _fund(uint256 campaignId, uint256 amount) private {
        _whenNotPaused();
        Campaign storage c = _existing(campaignId);
        _onlyAdvertiser(campaignId, c);
        if (c.closed) revert CampaignEscrowClosed(campaignId);
        address token = c.token;
        if (!_tokenConfigs[token].allowed) revert CampaignEscrowTokenNotAllowed(token);
        if (amount == 0) revert CampaignEscrowZeroAmount();
        uint256 deposited = c.deposited + amount;
        if (deposited > type(uint96).max) revert CampaignEscrowDepositOverflow(campaignId, deposited);
        c.deposited = uint96(deposited);
        emit CampaignFunded(campaignId, msg.sender, amount, deposited);
        _pull(token, msg.sender, amount);
    }

    function _checkCommitAllowed(
        uint256 campaignId,
        Campaign storage c,
        uint64 epoch,
        uint256 cumulativeSpent,
        uint32 revision
    ) private view {
        if (c.advertiser == address(0)) revert CampaignEscrowUnknownCampaign(campaignId);
        if (revision != c.revision) revert CampaignEscrowStaleRevision(campaignId, revision, c.revision);
        uint256 endTime = c.endTime;
        if (c.paused && block.timestamp < endTime) revert CampaignEscrowCampaignPaused(campaignId);
        uint256 closesAt = endTime + c.settlementGrace;
        if (block.timestamp > closesAt) revert CampaignEscrowSettlementClosed(campaignId, closesAt);
        if (epoch <= c.latestEpoch) revert CampaignEscrowEpochNotIncreasing(campaignId, epoch, c.latestEpoch);
        if (cumulativeSpent < c.cumulativeSpent) {
            revert CampaignEscrowSpendDecreased(campaignId, cumulativeSpent, c.cumulativeSpent);
        }
        if (cumulativeSpent > c.deposited) revert CampaignEscrowOverDeposit(campaignId, cumulativeSpent, c.deposited);
    }

    /// @dev Signers must ascend, which rules out counting one attester twice without a loop
    /// over the attester list.
    function _checkAttestations(
        uint256 campaignId,
        uint8 threshold,
        address verifier,
        bytes32 digest,
        bytes[] calldata signatures
    ) private view {
        address previous;
        uint256 attestations;
        bool verified;
        for (uint256 i; i < signatures.length; ++i) {
            (address signer, ECDSA.RecoverError error,) = ECDSA.tryRecoverCalldata(digest, signatures[i]);
            if (error != ECDSA.RecoverError.NoError) revert CampaignEscrowInvalidSignature(campaignId, i);
            if (signer <= previous) revert CampaignEscrowSignersNotAscending(campaignId, signer);
            previous = signer;
            if (signer == verifier) {
                verified = true;
            } else if (_attesters[campaignId][signer]) {
                ++attestations;
            } else {
                revert CampaignEscrowUnknownSigner(campaignId, signer);
            }
            _requireActive(signer, IParticipantRegistry.Role.Attester);
        }
        if (attestations < threshold) revert CampaignEscrowThresholdNotMet(campaignId, attestations, threshold);
        if (verifier != address(0) && !verified) revert CampaignEscrowVerifierMissing(campaignId, verifier);
    }

    function _runningByAdvertiser(uint256 campaignId) private view returns (Campaign storage c) {
        c = _existing(campaignId);
        _onlyAdvertiser(campaignId, c);
        if (block.timestamp >= c.endTime) revert CampaignEscrowAlreadyEnded(campaignId, c.endTime);
    }

    function _onlyAdvertiser(uint256 campaignId, Campaign storage c) private view {
        if (msg.sender != c.advertiser) revert CampaignEscrowNotAdvertiser(campaignId, msg.sender);
        _requireActive(msg.sender, IParticipantRegistry.Role.Advertiser);
    }
}
