// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title Asset registry interface
/// @notice Proof of who first registered a creative or other asset, and when.
/// @dev `contentHash` is the sha-256 digest of the asset's bytes (for a single-chunk file it is
/// also the multihash digest inside its CIDv1); `cid` is the CID's binary form.
interface IAssetRegistry {
    /// @notice The first registration of a content hash; never changes afterwards.
    struct Asset {
        address owner;
        uint40 registeredAt;
        bytes cid;
    }

    error AssetRegistryZeroAddress();
    error AssetRegistryNotParticipant(address account);
    error AssetRegistryEmptyAsset(bytes32 contentHash, uint256 cidLength);
    error AssetRegistryAlreadyRegistered(bytes32 contentHash, address owner);

    event AssetRegistered(bytes32 indexed contentHash, address indexed owner, uint40 registeredAt, bytes cid);

    /// @notice Register the asset with `contentHash`, stored at `cid`, as the caller's.
    function registerAsset(bytes32 contentHash, bytes calldata cid) external;

    /// @notice The registration of `contentHash` (zero owner when unregistered).
    function asset(bytes32 contentHash) external view returns (Asset memory);
}
