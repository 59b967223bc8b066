// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title Participant registry interface
/// @notice Who may act on trustledger: roles, KYC status with expiry, suspension.
/// @dev Other contracts call {isActive} before letting a participant act. Admin and
/// KYC officer are AccessControl roles; the business roles are a bitmap per account,
/// packed with the KYC expiry and the suspension flag into one storage slot so that
/// a check costs one SLOAD.
interface IParticipantRegistry {
    /// @notice Business roles; a participant may hold several.
    enum Role {
        Advertiser,
        Publisher,
        Attester,
        Brand,
        SupplyChainActor,
        Auditor
    }

    /// @dev One storage slot per participant.
    struct Participant {
        uint16 roles; // bit i set = holds Role(i)
        bool suspended;
        uint64 kycExpiry; // unix seconds; 0 = never KYC'd
    }

    error ParticipantRegistryZeroAddress();
    error ParticipantRegistryUnknownRole(uint16 roles);
    error ParticipantRegistryKycInPast(address account, uint64 kycExpiry);
    error ParticipantRegistryAlreadySuspended(address account);
    error ParticipantRegistryNotSuspended(address account);
    error ParticipantRegistryUnauthorized(address caller);

    event ParticipantRolesSet(address indexed account, uint16 roles);
    event KycUpdated(address indexed account, uint64 kycExpiry);
    event ParticipantSuspended(address indexed account, address indexed by);
    event ParticipantUnsuspended(address indexed account, address indexed by);

    /// @notice Set the business roles of `account` (a bitmap over {Role}).
    function setRoles(address account, uint16 roles) external;

    /// @notice Record that `account` passed KYC, valid until `kycExpiry`; 0 revokes it.
    function setKyc(address account, uint64 kycExpiry) external;

    /// @notice Suspend `account` at once: every role check fails until unsuspended.
    function suspend(address account) external;

    /// @notice Lift a suspension of `account`.
    function unsuspend(address account) external;

    /// @notice True when `account` holds `role`, is not suspended and its KYC has not expired.
    function isActive(address account, Role role) external view returns (bool);

    /// @notice True when `account` holds the registry's admin role.
    function isAdmin(address account) external view returns (bool);

    /// @notice The stored record of `account`.
    function participant(address account) external view returns (Participant memory);
}
