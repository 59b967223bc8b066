// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title ERC-1056 DID registry interface
/// @notice did:ethr identities: owner, delegates and attributes, each changeable directly or by
/// a meta-transaction signed by the identity's owner.
/// @dev Function signatures, events (including which fields are indexed) and the signed hashes
/// are exactly ERC-1056's, so existing did:ethr resolvers and signers work unchanged; that is
/// why the events index only `identity`, unlike our other contracts. A signed call's hash is
/// keccak256(abi.encodePacked(bytes1(0x19), bytes1(0), address(this), nonce(owner), identity,
/// "<functionName>", ...arguments)) and consumes the owner's nonce.
interface IDIDRegistry {
    error DIDRegistryNotOwner(address identity, address actor);
    error DIDRegistryBadSignature(address identity, address signer);

    event DIDOwnerChanged(address indexed identity, address owner, uint256 previousChange);
    event DIDDelegateChanged(
        address indexed identity, bytes32 delegateType, address delegate, uint256 validTo, uint256 previousChange
    );
    event DIDAttributeChanged(
        address indexed identity, bytes32 name, bytes value, uint256 validTo, uint256 previousChange
    );

    /// @notice The owner of `identity`: itself until changed.
    function identityOwner(address identity) external view returns (address);

    /// @notice True when `delegate` is a delegate of `identity` for `delegateType` right now.
    function validDelegate(address identity, bytes32 delegateType, address delegate) external view returns (bool);

    /// @notice Owner stored for `identity` (zero = the identity owns itself).
    function owners(address identity) external view returns (address);

    /// @notice Expiry of a delegate, keyed by keccak256 of its delegate type.
    function delegates(address identity, bytes32 delegateTypeHash, address delegate) external view returns (uint256);

    /// @notice Block number of the identity's last change (0 = never): the head of its event chain.
    function changed(address identity) external view returns (uint256);

    /// @notice Number of signed changes made by `signer` as an owner; part of the next signed hash.
    function nonce(address signer) external view returns (uint256);

    /// @notice Transfer ownership of `identity` to `newOwner`.
    function changeOwner(address identity, address newOwner) external;

    /// @notice {changeOwner} signed by the identity's owner, relayed by anyone.
    function changeOwnerSigned(address identity, uint8 sigV, bytes32 sigR, bytes32 sigS, address newOwner) external;

    /// @notice Add `delegate` for `delegateType`, valid for `validity` seconds.
    function addDelegate(address identity, bytes32 delegateType, address delegate, uint256 validity) external;

    /// @notice {addDelegate} signed by the identity's owner, relayed by anyone.
    function addDelegateSigned(
        address identity,
        uint8 sigV,
        bytes32 sigR,
        bytes32 sigS,
        bytes32 delegateType,
        address delegate,
        uint256 validity
    ) external;

    /// @notice Revoke `delegate` for `delegateType` from now on.
    function revokeDelegate(address identity, bytes32 delegateType, address delegate) external;

    /// @notice {revokeDelegate} signed by the identity's owner, relayed by anyone.
    function revokeDelegateSigned(
        address identity,
        uint8 sigV,
        bytes32 sigR,
        bytes32 sigS,
        bytes32 delegateType,
        address delegate
    ) external;

    /// @notice Publish attribute `name` = `value` valid for `validity` seconds (events only).
    function setAttribute(address identity, bytes32 name, bytes calldata value, uint256 validity) external;

    /// @notice {setAttribute} signed by the identity's owner, relayed by anyone.
    function setAttributeSigned(
        address identity,
        uint8 sigV,
        bytes32 sigR,
        bytes32 sigS,
        bytes32 name,
        bytes calldata value,
        uint256 validity
    ) external;

    /// @notice Revoke attribute `name` = `value` (an event with validTo 0).
    function revokeAttribute(address identity, bytes32 name, bytes calldata value) external;

    /// @notice {revokeAttribute} signed by the identity's owner, relayed by anyone.
    function revokeAttributeSigned(
        address identity,
        uint8 sigV,
        bytes32 sigR,
        bytes32 sigS,
        bytes32 name,
        bytes calldata value
    ) external;
}
