// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IAssetRegistry} from "./interfaces/IAssetRegistry.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";

/// @title Asset registry
/// @notice First registrant of a content hash keeps it: a timestamped record of who had it first.
/// @dev Registrants must be active participants (any business role, not suspended, KYC valid).
/// An open registry was rejected: with first-registrant-wins, anyone could squat the hash of a
/// creative seen in the wild before its author registers it, and the record would name an
/// unaccountable address.
contract AssetRegistry is IAssetRegistry {
    IParticipantRegistry private immutable _registry;

    mapping(bytes32 contentHash => Asset) private _assets;

    /// @param registry the ParticipantRegistry that says who is an active participant.
    constructor(address registry) {
        if (registry == address(0)) revert AssetRegistryZeroAddress();
        _registry = IParticipantRegistry(registry);
    }

    /// @inheritdoc IAssetRegistry
    /// @dev Requirements: caller holds a business role, is not suspended and its KYC is valid;
    /// `contentHash` is not zero and `cid` not empty; nobody registered `contentHash` before.
    /// Emits {AssetRegistered}.
    function registerAsset(bytes32 contentHash, bytes calldata cid) external {
        IParticipantRegistry.Participant memory caller = _registry.participant(msg.sender);
        if (caller.roles == 0 || caller.suspended || caller.kycExpiry <= block.timestamp) {
            revert AssetRegistryNotParticipant(msg.sender);
        }
        if (contentHash == bytes32(0) || cid.length == 0) revert AssetRegistryEmptyAsset(contentHash, cid.length);
        Asset storage stored = _assets[contentHash];
        if (stored.owner != address(0)) revert AssetRegistryAlreadyRegistered(contentHash, stored.owner);
        stored.owner = msg.sender;
        stored.registeredAt = uint40(block.timestamp);
        stored.cid = cid;
        emit AssetRegistered(contentHash, msg.sender, uint40(block.timestamp), cid);
    }

    /// @inheritdoc IAssetRegistry
    function asset(bytes32 contentHash) external view returns (Asset memory) {
        return _assets[contentHash];
    }

    /// @notice The ParticipantRegistry this contract asks.
    function participantRegistry() external view returns (address) {
        return address(_registry);
    }
}
