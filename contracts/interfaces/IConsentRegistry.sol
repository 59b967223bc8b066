// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title Consent registry interface
/// @notice Consumers grant and withdraw an advertiser's right to use their data by signature;
/// advertisers pay for consents through funded offers.
/// @dev The subject of a consent is a pairwise pseudonymous address (one per consumer and
/// grantee, derived off chain from a wallet signature); no DID, wallet address or profile
/// field is ever passed or stored.
interface IConsentRegistry {
    /// @notice Lifecycle of a consent record; expiry is not a status, it is read against the clock.
    enum ConsentStatus {
        None,
        Active,
        Withdrawn
    }

    /// @notice What the consumer signs, EIP-712 type `Consent`.
    /// @dev Field meanings:
    /// - `subject`: the pairwise pseudonymous address that signs.
    /// - `grantee`, `purpose`, `dataCategoriesHash`, `compensation`: must equal the offer's terms,
    ///   so the wallet shows exactly what is agreed. `purpose` is keccak256 of a W3C DPV term
    ///   string (e.g. "dpv:PersonalisedAdvertising"); `dataCategoriesHash` is keccak256 of
    ///   abi.encode(string[] sorted unique category names).
    /// - `expiry`: unix seconds until which the consent holds (at most type(uint40).max).
    /// - `nonce`: any value the signer picks (the API picks 256 random bits); it makes each signed
    ///   consent, and so its id, unique.
    /// - `deadline`: unix seconds until which the signature may be relayed.
    struct Consent {
        address subject;
        address grantee;
        uint256 offerId;
        bytes32 purpose;
        bytes32 dataCategoriesHash;
        uint64 expiry;
        uint256 compensation;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice What the consumer signs to withdraw, EIP-712 type `Withdrawal`.
    struct Withdrawal {
        address subject;
        bytes32 consentId;
        uint256 deadline;
    }

    /// @notice What the consumer signs to move accrued rewards to any address, EIP-712 type `Sweep`.
    /// @dev `nonce` must equal {sweepNonce} of the subject.
    struct Sweep {
        address subject;
        address token;
        address recipient;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice A funded request for consent. Two slots of terms plus the two hashes.
    /// @dev `grantsPaid` counts grants that were their subject's first in an offer period; each
    /// accrued `compensation` to its subject and `grantsPaid <= cap` always holds, so the offer
    /// never owes more than the `compensation * cap` it was funded with.
    struct Offer {
        address advertiser;
        uint32 grantsPaid;
        uint32 cap;
        uint32 periodLength; // seconds; 0 = one period for the offer's whole life
        address token;
        uint88 compensation; // token base units per paid grant
        bool closed;
        bytes32 purpose;
        bytes32 dataCategoriesHash;
    }

    /// @notice One storage slot per consent, keyed by the consent id.
    /// @dev Grantee, purpose and compensation are the offer's (see {offer}); `compensated` says
    /// whether this grant accrued the offer's compensation.
    struct ConsentRecord {
        address subject;
        uint40 expiry;
        uint40 offerId;
        ConsentStatus status;
        bool compensated;
    }

    error ConsentRegistryZeroAddress();
    error ConsentRegistryNotAdvertiser(address account);
    error ConsentRegistryInvalidOfferTerms(uint256 compensation, uint32 cap);
    error ConsentRegistryUnderfunded(address token, uint256 expected, uint256 received);
    error ConsentRegistryUnknownOffer(uint256 offerId);
    error ConsentRegistryOfferClosed(uint256 offerId);
    error ConsentRegistryNotOfferOwner(uint256 offerId, address caller);
    error ConsentRegistryTermsMismatch(uint256 offerId);
    error ConsentRegistryGranteeInactive(address grantee);
    error ConsentRegistryExpiryOutOfRange(uint64 expiry);
    error ConsentRegistrySignatureExpired(uint256 deadline);
    error ConsentRegistryInvalidSignature(address expected, address recovered);
    error ConsentRegistryConsentExists(bytes32 consentId);
    error ConsentRegistryOfferExhausted(uint256 offerId, uint32 cap);
    error ConsentRegistryUnknownConsent(bytes32 consentId);
    error ConsentRegistryNotSubject(bytes32 consentId, address subject);
    error ConsentRegistryNotActive(bytes32 consentId, ConsentStatus status);
    error ConsentRegistryBadNonce(address subject, uint256 expected, uint256 given);
    error ConsentRegistryNothingToSweep(address subject, address token);

    event OfferPublished(
        uint256 indexed offerId,
        address indexed advertiser,
        address indexed token,
        bytes32 purpose,
        bytes32 dataCategoriesHash,
        uint256 compensation,
        uint32 cap,
        uint32 periodLength
    );
    event OfferClosed(uint256 indexed offerId, address indexed advertiser, uint256 refund);
    /// @param period the offer period this grant was paid for; 0 when its subject was already
    /// paid in the current period (nothing accrued, `grantsPaid` unchanged).
    /// @param compensationPaid token base units accrued to `subject`'s rewards.
    event ConsentGranted(
        bytes32 indexed consentId,
        address indexed subject,
        uint256 indexed offerId,
        address grantee,
        bytes32 purpose,
        uint64 expiry,
        uint256 period,
        uint256 compensationPaid
    );
    event ConsentWithdrawn(bytes32 indexed consentId, address indexed subject, uint256 indexed offerId);
    event RewardsSwept(
        address indexed subject, address indexed token, address indexed recipient, uint256 amount, uint256 nonce
    );

    /// @notice Publish an offer and fund it with `compensation * cap` of `token` from the caller.
    function publishOffer(
        bytes32 purpose,
        bytes32 dataCategoriesHash,
        address token,
        uint256 compensation,
        uint32 cap,
        uint32 periodLength
    ) external returns (uint256 offerId);

    /// @notice Close an offer for good and refund what it has not paid out.
    function closeOffer(uint256 offerId) external returns (uint256 refund);

    /// @notice Record a consent signed by its subject; anyone may relay it.
    function grant(Consent calldata consent, bytes calldata signature) external returns (bytes32 consentId);

    /// @notice Withdraw a consent by its subject's signature; anyone may relay it.
    function withdraw(Withdrawal calldata withdrawal, bytes calldata signature) external;

    /// @notice Pay a subject's accrued rewards in one token to the recipient it signed for.
    function sweep(Sweep calldata request, bytes calldata signature) external returns (uint256 amount);

    /// @notice True when the consent exists, is not withdrawn and has not expired.
    function isConsentActive(bytes32 consentId) external view returns (bool);

    /// @notice The stored record of a consent (all zero when unknown).
    function consentRecord(bytes32 consentId) external view returns (ConsentRecord memory);

    /// @notice The stored terms and counters of an offer (all zero when unknown).
    function offer(uint256 offerId) external view returns (Offer memory);

    /// @notice Rewards accrued to `subject` in `token` and not yet swept.
    function rewardsOf(address subject, address token) external view returns (uint256);

    /// @notice The nonce the subject's next {Sweep} must carry.
    function sweepNonce(address subject) external view returns (uint256);

    /// @notice The last period of `offerId` for which `subject` was paid (0 = never).
    function paidPeriod(address subject, uint256 offerId) external view returns (uint256);

    /// @notice The offer's current period number (periods are aligned to unix time, first is 1).
    function currentPeriod(uint256 offerId) external view returns (uint256);
}
