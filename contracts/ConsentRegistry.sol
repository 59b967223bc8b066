// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IConsentRegistry} from "./interfaces/IConsentRegistry.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";

/// @title Consent registry
/// @notice Signed, relayable consent grants and withdrawals with purpose, expiry and compensation.
/// @dev Design decisions:
/// - The consent id is the EIP-712 digest of the signed {Consent}: a commitment to every field
///   that also binds this contract and the chain id. The signer's random `nonce` salts it.
///   A separately passed salt was rejected: the grant's calldata is public, so a salt beside it
///   hides nothing, and an unsigned salt would let a relayer choose the id. Ids are never reused,
///   so a replayed grant is refused without a nonce slot per subject.
/// - Rewards are pulled: a grant accrues the compensation to the subject inside this contract
///   and a signed {Sweep} sends it to any address. Pushing tokens to the pairwise address was
///   rejected: that address holds no gas, so moving the tokens on would need a second signed
///   hop anyway (and a token without permit would strand them), and a push puts a token call
///   inside every grant.
/// - Each offer chooses its token; no allowlist. Offers are funded up front with
///   `compensation * cap` and a token that delivers less is refused, so a foreign token can
///   only ever owe its own offers' funds.
/// - A grant that would be paid after the offer's cap is reached is refused rather than
///   recorded unpaid: the subject signed the offer's compensation. A repeated grant inside a
///   period is recorded and pays nothing, as specified.
contract ConsentRegistry is IConsentRegistry, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    bytes32 public constant CONSENT_TYPEHASH = keccak256(
        "Consent(address subject,address grantee,uint256 offerId,bytes32 purpose,bytes32 dataCategoriesHash,uint64 expiry,uint256 compensation,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant WITHDRAWAL_TYPEHASH =
        keccak256("Withdrawal(address subject,bytes32 consentId,uint256 deadline)");
    bytes32 public constant SWEEP_TYPEHASH =
        keccak256("Sweep(address subject,address token,address recipient,uint256 nonce,uint256 deadline)");

    IParticipantRegistry private immutable _registry;

    uint40 private _lastOfferId;
    mapping(uint256 offerId => Offer) private _offers;
    mapping(bytes32 consentId => ConsentRecord) private _consents;
    // last offer period paid to the subject; 0 = never paid for that offer
    mapping(address subject => mapping(uint256 offerId => uint256 period)) private _paidPeriods;
    mapping(address subject => mapping(address token => uint256 amount)) private _rewards;
    mapping(address subject => uint256 nonce) private _sweepNonces;

    /// @param registry the ParticipantRegistry that says who is an active advertiser.
    constructor(address registry) EIP712("trustledger ConsentRegistry", "1") {
        if (registry == address(0)) revert ConsentRegistryZeroAddress();
        _registry = IParticipantRegistry(registry);
    }

    /// @inheritdoc IConsentRegistry
    /// @dev Requirements: caller is an active Advertiser; `token` is not zero; `cap` > 0;
    /// `compensation` fits in uint88; the caller approved `compensation * cap` and the token
    /// delivers all of it.
    /// Emits {OfferPublished}.
    function publishOffer(
        bytes32 purpose,
        bytes32 dataCategoriesHash,
        address token,
        uint256 compensation,
        uint32 cap,
        uint32 periodLength
    ) external nonReentrant returns (uint256 offerId) {
        if (!_registry.isActive(msg.sender, IParticipantRegistry.Role.Advertiser)) {
            revert ConsentRegistryNotAdvertiser(msg.sender);
        }
        if (token == address(0)) revert ConsentRegistryZeroAddress();
        if (cap == 0 || compensation > type(uint88).max) revert ConsentRegistryInvalidOfferTerms(compensation, cap);
        offerId = ++_lastOfferId;
        _offers[offerId] = Offer({
            advertiser: msg.sender,
            grantsPaid: 0,
            cap: cap,
            periodLength: periodLength,
            token: token,
            compensation: uint88(compensation),
            closed: false,
            purpose: purpose,
            dataCategoriesHash: dataCategoriesHash
        });
        emit OfferPublished(offerId, msg.sender, token, purpose, dataCategoriesHash, compensation, cap, periodLength);
        uint256 budget = compensation * cap;
        if (budget != 0) {
            uint256 balanceBefore = IERC20(token).balanceOf(address(this));
            IERC20(token).safeTransferFrom(msg.sender, address(this), budget);
            uint256 received = IERC20(token).balanceOf(address(this)) - balanceBefore;
            if (received < budget) revert ConsentRegistryUnderfunded(token, budget, received);
        }
    }

    /// @inheritdoc IConsentRegistry
    /// @dev Requirements: caller is the offer's advertiser (active or not: the funds are its own);
    /// the offer is open. Refund = `compensation * (cap - grantsPaid)`.
    /// Emits {OfferClosed}.
    function closeOffer(uint256 offerId) external nonReentrant returns (uint256 refund) {
        Offer storage stored = _offers[offerId];
        address advertiser = stored.advertiser;
        if (advertiser == address(0)) revert ConsentRegistryUnknownOffer(offerId);
        if (advertiser != msg.sender) revert ConsentRegistryNotOfferOwner(offerId, msg.sender);
        if (stored.closed) revert ConsentRegistryOfferClosed(offerId);
        refund = uint256(stored.compensation) * (stored.cap - stored.grantsPaid);
        stored.closed = true;
        emit OfferClosed(offerId, advertiser, refund);
        if (refund != 0) IERC20(stored.token).safeTransfer(advertiser, refund);
    }

    /// @inheritdoc IConsentRegistry
    /// @dev Reads top to bottom: signature still relayable → offer open and terms equal to the
    /// signed ones → grantee still an active Advertiser → expiry in range → signed by the subject
    /// → not recorded before → pay if first in period → record → emit.
    /// Requirements: `block.timestamp <= deadline`; the offer exists and is open; grantee,
    /// purpose, dataCategoriesHash and compensation equal the offer's; the grantee is an active
    /// Advertiser; `block.timestamp < expiry <= type(uint40).max`; `signature` is the subject's
    /// over the EIP-712 digest; the consent is new; a paid grant needs `grantsPaid < cap`.
    /// Emits {ConsentGranted}.
    function grant(Consent calldata consent, bytes calldata signature) external returns (bytes32 consentId) {
        if (block.timestamp > consent.deadline) revert ConsentRegistrySignatureExpired(consent.deadline);
        uint256 offerId = consent.offerId;
        Offer storage stored = _offers[offerId];
        address grantee = stored.advertiser;
        if (grantee == address(0)) revert ConsentRegistryUnknownOffer(offerId);
        if (stored.closed) revert ConsentRegistryOfferClosed(offerId);
        if (
            consent.grantee != grantee || consent.purpose != stored.purpose
                || consent.dataCategoriesHash != stored.dataCategoriesHash
                || consent.compensation != stored.compensation
        ) revert ConsentRegistryTermsMismatch(offerId);
        if (!_registry.isActive(grantee, IParticipantRegistry.Role.Advertiser)) {
            revert ConsentRegistryGranteeInactive(grantee);
        }
        if (consent.expiry <= block.timestamp || consent.expiry > type(uint40).max) {
            revert ConsentRegistryExpiryOutOfRange(consent.expiry);
        }
        consentId = _hashTypedDataV4(keccak256(abi.encode(CONSENT_TYPEHASH, consent)));
        address subject = consent.subject;
        _requireSignedBy(subject, consentId, signature);
        if (_consents[consentId].status != ConsentStatus.None) revert ConsentRegistryConsentExists(consentId);

        uint256 period = _periodOf(stored.periodLength);
        uint256 paid;
        if (_paidPeriods[subject][offerId] < period) {
            uint32 grantsPaid = stored.grantsPaid;
            if (grantsPaid >= stored.cap) revert ConsentRegistryOfferExhausted(offerId, stored.cap);
            stored.grantsPaid = grantsPaid + 1;
            _paidPeriods[subject][offerId] = period;
            paid = consent.compensation;
            if (paid != 0) _rewards[subject][stored.token] += paid;
        } else {
            period = 0;
        }
        _consents[consentId] = ConsentRecord({
            subject: subject,
            expiry: uint40(consent.expiry),
            offerId: uint40(offerId),
            status: ConsentStatus.Active,
            compensated: period != 0
        });
        emit ConsentGranted(consentId, subject, offerId, grantee, consent.purpose, consent.expiry, period, paid);
    }

    /// @inheritdoc IConsentRegistry
    /// @dev A withdrawal of an expired consent is accepted (it ends the record for good).
    /// Requirements: `block.timestamp <= deadline`; the consent exists, belongs to `subject` and
    /// is active; `signature` is the subject's over the EIP-712 digest. A replay finds the
    /// consent withdrawn and reverts.
    /// Emits {ConsentWithdrawn}.
    function withdraw(Withdrawal calldata withdrawal, bytes calldata signature) external {
        if (block.timestamp > withdrawal.deadline) revert ConsentRegistrySignatureExpired(withdrawal.deadline);
        bytes32 consentId = withdrawal.consentId;
        ConsentRecord storage record = _consents[consentId];
        ConsentStatus status = record.status;
        if (status == ConsentStatus.None) revert ConsentRegistryUnknownConsent(consentId);
        address subject = record.subject;
        if (subject != withdrawal.subject) revert ConsentRegistryNotSubject(consentId, withdrawal.subject);
        if (status != ConsentStatus.Active) revert ConsentRegistryNotActive(consentId, status);
        _requireSignedBy(subject, _hashTypedDataV4(keccak256(abi.encode(WITHDRAWAL_TYPEHASH, withdrawal))), signature);
        record.status = ConsentStatus.Withdrawn;
        emit ConsentWithdrawn(consentId, subject, record.offerId);
    }

    /// @inheritdoc IConsentRegistry
    /// @dev Requirements: `block.timestamp <= deadline`; `recipient` is not zero; `nonce` equals
    /// {sweepNonce}; `signature` is the subject's over the EIP-712 digest; something accrued.
    /// Emits {RewardsSwept}.
    function sweep(Sweep calldata request, bytes calldata signature) external nonReentrant returns (uint256 amount) {
        if (block.timestamp > request.deadline) revert ConsentRegistrySignatureExpired(request.deadline);
        if (request.recipient == address(0)) revert ConsentRegistryZeroAddress();
        address subject = request.subject;
        uint256 nonce = _sweepNonces[subject];
        if (request.nonce != nonce) revert ConsentRegistryBadNonce(subject, nonce, request.nonce);
        _requireSignedBy(subject, _hashTypedDataV4(keccak256(abi.encode(SWEEP_TYPEHASH, request))), signature);
        amount = _rewards[subject][request.token];
        if (amount == 0) revert ConsentRegistryNothingToSweep(subject, request.token);
        _rewards[subject][request.token] = 0;
        _sweepNonces[subject] = nonce + 1;
        emit RewardsSwept(subject, request.token, request.recipient, amount, nonce);
        IERC20(request.token).safeTransfer(request.recipient, amount);
    }

    /// @inheritdoc IConsentRegistry
    function isConsentActive(bytes32 consentId) external view returns (bool) {
        ConsentRecord memory record = _consents[consentId];
        return record.status == ConsentStatus.Active && record.expiry > block.timestamp;
    }

    /// @inheritdoc IConsentRegistry
    function consentRecord(bytes32 consentId) external view returns (ConsentRecord memory) {
        return _consents[consentId];
    }

    /// @inheritdoc IConsentRegistry
    function offer(uint256 offerId) external view returns (Offer memory) {
        return _offers[offerId];
    }

    /// @inheritdoc IConsentRegistry
    function rewardsOf(address subject, address token) external view returns (uint256) {
        return _rewards[subject][token];
    }

    /// @inheritdoc IConsentRegistry
    function sweepNonce(address subject) external view returns (uint256) {
        return _sweepNonces[subject];
    }

    /// @inheritdoc IConsentRegistry
    function paidPeriod(address subject, uint256 offerId) external view returns (uint256) {
        return _paidPeriods[subject][offerId];
    }

    /// @inheritdoc IConsentRegistry
    function currentPeriod(uint256 offerId) external view returns (uint256) {
        if (_offers[offerId].advertiser == address(0)) revert ConsentRegistryUnknownOffer(offerId);
        return _periodOf(_offers[offerId].periodLength);
    }

    /// @notice The ParticipantRegistry this contract asks.
    function participantRegistry() external view returns (address) {
        return address(_registry);
    }

    /// @dev Periods are aligned to unix time so no start time needs storing; the first is 1,
    /// leaving 0 to mean "never paid" in `_paidPeriods`.
    function _periodOf(uint32 periodLength) private view returns (uint256) {
        return periodLength == 0 ? 1 : block.timestamp / periodLength + 1;
    }

    function _requireSignedBy(address signer, bytes32 digest, bytes calldata signature) private pure {
        (address recovered, ECDSA.RecoverError error,) = ECDSA.tryRecoverCalldata(digest, signature);
        if (error != ECDSA.RecoverError.NoError || recovered != signer) {
            revert ConsentRegistryInvalidSignature(signer, recovered);
        }
    }
}
