// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IDIDRegistry} from "./interfaces/IDIDRegistry.sol";

/// @title DID registry (ERC-1056)
/// @notice Permissionless registry of did:ethr identities, compatible with ERC-1056 tooling.
/// @dev Every change emits one event carrying the block of the identity's previous change, so a
/// resolver walks `changed(identity)` back through the events without scanning the chain.
/// Attributes live only in events. Deviations from the reference implementation, none visible to
/// resolvers: custom errors instead of bare requires, and signatures must be in the low-s form
/// every wallet produces (malleable variants are refused rather than consuming a nonce). The
/// reference's ERC-1271 `bytes signature` overloads are left out: organisations sign with keys.
/// Nonces change without an event of their own, as in ERC-1056: a signer reads {nonce} live.
contract DIDRegistry is IDIDRegistry {
    mapping(address identity => address) public owners;
    mapping(address identity => mapping(bytes32 delegateTypeHash => mapping(address delegate => uint256 validTo)))
        public delegates;
    mapping(address identity => uint256 blockNumber) public changed;
    mapping(address signer => uint256) public nonce;

    /// @inheritdoc IDIDRegistry
    function identityOwner(address identity) public view returns (address) {
        address owner = owners[identity];
        return owner == address(0) ? identity : owner;
    }

    /// @inheritdoc IDIDRegistry
    function validDelegate(address identity, bytes32 delegateType, address delegate) external view returns (bool) {
        return delegates[identity][keccak256(abi.encodePacked(delegateType))][delegate] > block.timestamp;
    }

    /// @inheritdoc IDIDRegistry
    /// @dev Requirements: caller is the identity's owner. Emits {DIDOwnerChanged}.
    function changeOwner(address identity, address newOwner) external {
        _changeOwner(identity, msg.sender, newOwner);
    }

    /// @inheritdoc IDIDRegistry
    /// @dev Requirements: the signature is the owner's over the ERC-1056 hash with its current
    /// nonce. Emits {DIDOwnerChanged}.
    function changeOwnerSigned(address identity, uint8 sigV, bytes32 sigR, bytes32 sigS, address newOwner) external {
        bytes32 hash = keccak256(
            abi.encodePacked(
                bytes1(0x19), bytes1(0), address(this), nonce[identityOwner(identity)], identity, "changeOwner", newOwner
            )
        );
        _changeOwner(identity, _checkSignature(identity, sigV, sigR, sigS, hash), newOwner);
    }

    /// @inheritdoc IDIDRegistry
    /// @dev Requirements: caller is the identity's owner. Emits {DIDDelegateChanged}.
    function addDelegate(address identity, bytes32 delegateType, address delegate, uint256 validity) external {
        _addDelegate(identity, msg.sender, delegateType, delegate, validity);
    }

    /// @inheritdoc IDIDRegistry
    /// @dev Requirements: the signature is the owner's over the ERC-1056 hash with its current
    /// nonce. Emits {DIDDelegateChanged}.
    function addDelegateSigned(
        address identity,
        uint8 sigV,
        bytes32 sigR,
        bytes32 sigS,
        bytes32 delegateType,
        address delegate,
        uint256 validity
    ) external {
        bytes32 hash = keccak256(
            abi.encodePacked(
                bytes1(0x19),
                bytes1(0),
                address(this),
                nonce[identityOwner(identity)],
                identity,
                "addDelegate",
                delegateType,
                delegate,
                validity
            )
        );
        _addDelegate(identity, _checkSignature(identity, sigV, sigR, sigS, hash), delegateType, delegate, validity);
    }

    /// @inheritdoc IDIDRegistry
    /// @dev Requirements: caller is the identity's owner. Emits {DIDDelegateChanged}.
    function revokeDelegate(address identity, bytes32 delegateType, address delegate) external {
        _revokeDelegate(identity, msg.sender, delegateType, delegate);
    }

    /// @inheritdoc IDIDRegistry
    /// @dev Requirements: the signature is the owner's over the ERC-1056 hash with its current
    /// nonce. Emits {DIDDelegateChanged}.
    function revokeDelegateSigned(
        address identity,
        uint8 sigV,
        bytes32 sigR,
        bytes32 sigS,
        bytes32 delegateType,
        address delegate
    ) external {
        bytes32 hash = keccak256(
            abi.encodePacked(
                bytes1(0x19),
                bytes1(0),
                address(this),
                nonce[identityOwner(identity)],
                identity,
                "revokeDelegate",
                delegateType,
                delegate
            )
        );
        _revokeDelegate(identity, _checkSignature(identity, sigV, sigR, sigS, hash), delegateType, delegate);
    }

    /// @inheritdoc IDIDRegistry
    /// @dev Requirements: caller is the identity's owner. Emits {DIDAttributeChanged}.
    function setAttribute(address identity, bytes32 name, bytes calldata value, uint256 validity) external {
        _setAttribute(identity, msg.sender, name, value, validity);
    }

    /// @inheritdoc IDIDRegistry
    /// @dev Requirements: the signature is the owner's over the ERC-1056 hash with its current
    /// nonce. Emits {DIDAttributeChanged}.
    function setAttributeSigned(
        address identity,
        uint8 sigV,
        bytes32 sigR,
        bytes32 sigS,
        bytes32 name,
        bytes calldata value,
        uint256 validity
    ) external {
        bytes32 hash = keccak256(
            abi.encodePacked(
                bytes1(0x19),
                bytes1(0),
                address(this),
                nonce[identityOwner(identity)],
                identity,
                "setAttribute",
                name,
                value,
                validity
            )
        );
        _setAttribute(identity, _checkSignature(identity, sigV, sigR, sigS, hash), name, value, validity);
    }

    /// @inheritdoc IDIDRegistry
    /// @dev Requirements: caller is the identity's owner. Emits {DIDAttributeChanged} with validTo 0.
    function revokeAttribute(address identity, bytes32 name, bytes calldata value) external {
        _revokeAttribute(identity, msg.sender, name, value);
    }

    /// @inheritdoc IDIDRegistry
    /// @dev Requirements: the signature is the owner's over the ERC-1056 hash with its current
    /// nonce. Emits {DIDAttributeChanged} with validTo 0.
    function revokeAttributeSigned(
        address identity,
        uint8 sigV,
        bytes32 sigR,
        bytes32 sigS,
        bytes32 name,
        bytes calldata value
    ) external {
        bytes32 hash = keccak256(
            abi.encodePacked(
                bytes1(0x19), bytes1(0), address(this), nonce[identityOwner(identity)], identity, "revokeAttribute", name, value
            )
        );
        _revokeAttribute(identity, _checkSignature(identity, sigV, sigR, sigS, hash), name, value);
    }

    function _changeOwner(address identity, address actor, address newOwner) private {
        _requireOwner(identity, actor);
        owners[identity] = newOwner;
        emit DIDOwnerChanged(identity, newOwner, _markChanged(identity));
    }

    function _addDelegate(address identity, address actor, bytes32 delegateType, address delegate, uint256 validity)
        private
    {
        _requireOwner(identity, actor);
        uint256 validTo = block.timestamp + validity;
        delegates[identity][keccak256(abi.encodePacked(delegateType))][delegate] = validTo;
        emit DIDDelegateChanged(identity, delegateType, delegate, validTo, _markChanged(identity));
    }

    function _revokeDelegate(address identity, address actor, bytes32 delegateType, address delegate) private {
        _requireOwner(identity, actor);
        delegates[identity][keccak256(abi.encodePacked(delegateType))][delegate] = block.timestamp;
        emit DIDDelegateChanged(identity, delegateType, delegate, block.timestamp, _markChanged(identity));
    }

    function _setAttribute(address identity, address actor, bytes32 name, bytes calldata value, uint256 validity)
        private
    {
        _requireOwner(identity, actor);
        emit DIDAttributeChanged(identity, name, value, block.timestamp + validity, _markChanged(identity));
    }

    function _revokeAttribute(address identity, address actor, bytes32 name, bytes calldata value) private {
        _requireOwner(identity, actor);
        emit DIDAttributeChanged(identity, name, value, 0, _markChanged(identity));
    }

    /// @dev Records this block as the identity's latest change and returns the previous one,
    /// which the change's event carries.
    function _markChanged(address identity) private returns (uint256 previousChange) {
        previousChange = changed[identity];
        changed[identity] = block.number;
    }

    function _requireOwner(address identity, address actor) private view {
        if (actor != identityOwner(identity)) revert DIDRegistryNotOwner(identity, actor);
    }

    function _checkSignature(address identity, uint8 sigV, bytes32 sigR, bytes32 sigS, bytes32 hash)
        private
        returns (address signer)
    {
        ECDSA.RecoverError error;
        (signer, error,) = ECDSA.tryRecover(hash, sigV, sigR, sigS);
        if (error != ECDSA.RecoverError.NoError || signer != identityOwner(identity)) {
            revert DIDRegistryBadSignature(identity, signer);
        }
        nonce[signer]++;
    }
}
