// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";

/// @title Participant registry
/// @notice Roles, KYC status and suspension of every trustledger participant.
/// @dev The registry is the source of truth the other contracts ask, so the rules
/// hold on any EVM chain, permissioned or not.
contract ParticipantRegistry is IParticipantRegistry, AccessControl {
    /// @notice May record and revoke KYC and suspend participants.
    bytes32 public constant KYC_OFFICER_ROLE = keccak256("KYC_OFFICER_ROLE");

    uint16 private constant _ALL_ROLES = uint16((1 << (uint8(type(Role).max) + 1)) - 1);

    mapping(address account => Participant) private _participants;

    /// @param admin receives DEFAULT_ADMIN_ROLE and KYC_OFFICER_ROLE.
    constructor(address admin) {
        if (admin == address(0)) revert ParticipantRegistryZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(KYC_OFFICER_ROLE, admin);
    }

    modifier onlyOfficer() {
        if (!hasRole(KYC_OFFICER_ROLE, msg.sender) && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert ParticipantRegistryUnauthorized(msg.sender);
        }
        _;
    }

    /// @inheritdoc IParticipantRegistry
    /// @dev Requirements: caller is admin; `roles` only names known roles.
    /// Emits {ParticipantRolesSet}.
    function setRoles(address account, uint16 roles) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (account == address(0)) revert ParticipantRegistryZeroAddress();
        if (roles & ~_ALL_ROLES != 0) revert ParticipantRegistryUnknownRole(roles);
        _participants[account].roles = roles;
        emit ParticipantRolesSet(account, roles);
    }

    /// @inheritdoc IParticipantRegistry
    /// @dev Requirements: caller is a KYC officer or admin; `kycExpiry` is 0 or in the future.
    /// Emits {KycUpdated}.
    function setKyc(address account, uint64 kycExpiry) external onlyOfficer {
        if (account == address(0)) revert ParticipantRegistryZeroAddress();
        if (kycExpiry != 0 && kycExpiry <= block.timestamp) revert ParticipantRegistryKycInPast(account, kycExpiry);
        _participants[account].kycExpiry = kycExpiry;
        emit KycUpdated(account, kycExpiry);
    }

    /// @inheritdoc IParticipantRegistry
    /// @dev Requirements: caller is a KYC officer or admin; `account` is not suspended.
    /// Emits {ParticipantSuspended}.
    function suspend(address account) external onlyOfficer {
        Participant storage record = _participants[account];
        if (record.suspended) revert ParticipantRegistryAlreadySuspended(account);
        record.suspended = true;
        emit ParticipantSuspended(account, msg.sender);
    }

    /// @inheritdoc IParticipantRegistry
    /// @dev Requirements: caller is a KYC officer or admin; `account` is suspended.
    /// Emits {ParticipantUnsuspended}.
    function unsuspend(address account) external onlyOfficer {
        Participant storage record = _participants[account];
        if (!record.suspended) revert ParticipantRegistryNotSuspended(account);
        record.suspended = false;
        emit ParticipantUnsuspended(account, msg.sender);
    }

    /// @inheritdoc IParticipantRegistry
    function isActive(address account, Role role) external view returns (bool) {
        Participant memory record = _participants[account];
        return record.roles & (uint16(1) << uint8(role)) != 0 && !record.suspended
            && record.kycExpiry > block.timestamp;
    }

    /// @inheritdoc IParticipantRegistry
    function isAdmin(address account) external view returns (bool) {
        return hasRole(DEFAULT_ADMIN_ROLE, account);
    }

    /// @inheritdoc IParticipantRegistry
    function participant(address account) external view returns (Participant memory) {
        return _participants[account];
    }
}
