// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {IProvenanceRegistry} from "./interfaces/IProvenanceRegistry.sol";

/// @title Provenance registry
/// @notice Brands register products, authorised supply-chain actors anchor signed event batches.
/// @dev Design decisions:
/// - Serials are registered as one Merkle root per batch, never one entry per serial; whether a
///   serial is registered twice across batches is checked off chain, before registration.
/// - A batch id is the EIP-712 digest of its signed {EventBatch}, so a relayer can submit a batch
///   but cannot alter it, and a replay finds the id taken; no nonce slot per actor is written.
///   Sequential per-actor nonces were rejected: one failed or late anchor would block every later
///   signed batch of that actor.
/// - Anchoring checks the actor's role and the brand's authorisation when it happens; a brand's
///   own suspension does not stop its actors recording history. Revoking an actor needs no
///   active role: reducing authority is always allowed.
/// - Recall flags may be set by the product's brand or by the registry admin (a regulator's
///   order must not wait for the brand).
contract ProvenanceRegistry is IProvenanceRegistry, EIP712 {
    bytes32 public constant EVENT_BATCH_TYPEHASH = keccak256(
        "EventBatch(address actor,address brand,bytes32 eventsRoot,uint32 eventCount,bytes documentCid,uint256 nonce,uint256 deadline)"
    );

    uint256 private constant _GTIN_LIMIT = 1e14; // GTIN-14 has 14 digits

    IParticipantRegistry private immutable _registry;

    uint64 private _lastSerialBatchId;
    mapping(uint256 gtin => ProductClass) private _productClasses;
    mapping(uint256 serialBatchId => SerialBatch) private _serialBatches;
    mapping(address brand => mapping(address actor => bool)) private _authorised;
    mapping(bytes32 batchId => EventAnchor) private _anchors;
    // keccak256(abi.encode(gtin, serialHash)) => custodian; zero = still with the brand
    mapping(bytes32 productKey => address) private _custodians;

    /// @param registry the ParticipantRegistry that says who is an active brand or actor.
    constructor(address registry) EIP712("trustledger ProvenanceRegistry", "1") {
        if (registry == address(0)) revert ProvenanceRegistryZeroAddress();
        _registry = IParticipantRegistry(registry);
    }

    /// @inheritdoc IProvenanceRegistry
    /// @dev Requirements: caller is an active Brand; `gtin` is a GTIN-14 number with a valid
    /// check digit; the GTIN is not registered yet.
    /// Emits {ProductClassRegistered}.
    function registerProductClass(uint256 gtin, bytes calldata metadataCid) external {
        _requireActive(msg.sender, IParticipantRegistry.Role.Brand);
        if (!_isValidGtin(gtin)) revert ProvenanceRegistryInvalidGtin(gtin);
        address owner = _productClasses[gtin].brand;
        if (owner != address(0)) revert ProvenanceRegistryProductClassExists(gtin, owner);
        _productClasses[gtin].brand = msg.sender;
        emit ProductClassRegistered(gtin, msg.sender, metadataCid);
    }

    /// @inheritdoc IProvenanceRegistry
    /// @dev Requirements: caller is an active Brand that owns `gtin`; `serialsRoot` is not zero
    /// and `serialCount` > 0.
    /// Emits {SerialBatchRegistered}.
    function registerSerialBatch(uint256 gtin, bytes32 serialsRoot, uint32 serialCount, bytes calldata metadataCid)
        external
        returns (uint256 serialBatchId)
    {
        _requireActive(msg.sender, IParticipantRegistry.Role.Brand);
        _requireProductBrand(gtin);
        if (serialsRoot == bytes32(0) || serialCount == 0) revert ProvenanceRegistryEmptyBatch();
        serialBatchId = ++_lastSerialBatchId;
        _serialBatches[serialBatchId] =
            SerialBatch({serialsRoot: serialsRoot, gtin: uint64(gtin), serialCount: serialCount, recalled: false});
        emit SerialBatchRegistered(serialBatchId, gtin, msg.sender, serialsRoot, serialCount, metadataCid);
    }

    /// @inheritdoc IProvenanceRegistry
    /// @dev Requirements: caller is an active Brand; `actor` is an active SupplyChainActor not
    /// yet authorised by the caller.
    /// Emits {ActorAuthorised}.
    function authoriseActor(address actor) external {
        _requireActive(msg.sender, IParticipantRegistry.Role.Brand);
        _requireActive(actor, IParticipantRegistry.Role.SupplyChainActor);
        if (_authorised[msg.sender][actor]) revert ProvenanceRegistryAlreadyAuthorised(msg.sender, actor);
        _authorised[msg.sender][actor] = true;
        emit ActorAuthorised(msg.sender, actor);
    }

    /// @inheritdoc IProvenanceRegistry
    /// @dev Requirements: the caller has authorised `actor`.
    /// Emits {ActorRevoked}.
    function revokeActor(address actor) external {
        if (!_authorised[msg.sender][actor]) revert ProvenanceRegistryActorNotAuthorised(msg.sender, actor);
        _authorised[msg.sender][actor] = false;
        emit ActorRevoked(msg.sender, actor);
    }

    /// @inheritdoc IProvenanceRegistry
    /// @dev Reads top to bottom: still relayable → not empty → actor serves the brand and is an
    /// active SupplyChainActor → signed by the actor → not anchored before → store → emit.
    /// Requirements: `block.timestamp <= deadline`; `eventsRoot` is not zero and `eventCount` > 0;
    /// `brand` has authorised `actor`; `actor` is an active SupplyChainActor; `signature` is the
    /// actor's over the EIP-712 digest; the batch is new.
    /// Emits {EventsAnchored}.
    function anchorEvents(EventBatch calldata batch, bytes calldata signature) external returns (bytes32 batchId) {
        if (block.timestamp > batch.deadline) revert ProvenanceRegistrySignatureExpired(batch.deadline);
        if (batch.eventsRoot == bytes32(0) || batch.eventCount == 0) revert ProvenanceRegistryEmptyBatch();
        address actor = batch.actor;
        if (!_authorised[batch.brand][actor]) revert ProvenanceRegistryActorNotAuthorised(batch.brand, actor);
        _requireActive(actor, IParticipantRegistry.Role.SupplyChainActor);
        batchId = _hashTypedDataV4(
            keccak256(
                abi.encode(
                    EVENT_BATCH_TYPEHASH,
                    actor,
                    batch.brand,
                    batch.eventsRoot,
                    batch.eventCount,
                    keccak256(batch.documentCid),
                    batch.nonce,
                    batch.deadline
                )
            )
        );
        (address recovered, ECDSA.RecoverError error,) = ECDSA.tryRecoverCalldata(batchId, signature);
        if (error != ECDSA.RecoverError.NoError || recovered != actor) {
            revert ProvenanceRegistryInvalidSignature(actor, recovered);
        }
        EventAnchor storage anchor = _anchors[batchId];
        if (anchor.actor != address(0)) revert ProvenanceRegistryBatchExists(batchId);
        anchor.eventsRoot = batch.eventsRoot;
        anchor.actor = actor;
        anchor.eventCount = batch.eventCount;
        anchor.anchoredAt = uint40(block.timestamp);
        emit EventsAnchored(
            batchId, actor, batch.brand, batch.eventsRoot, batch.eventCount, batch.documentCid, batch.nonce
        );
    }

    /// @inheritdoc IProvenanceRegistry
    /// @dev Whether the serial exists is proven off chain ({verifySerial}); custody records only
    /// who holds it. Requirements: the GTIN is registered; the caller is the current custodian
    /// (the brand until the first transfer); `to` is the brand or an actor it has authorised that
    /// is an active SupplyChainActor.
    /// Emits {CustodyTransferred}.
    function transferCustody(uint256 gtin, bytes32 serialHash, address to) external {
        address brand = _productClasses[gtin].brand;
        if (brand == address(0)) revert ProvenanceRegistryUnknownProductClass(gtin);
        bytes32 productKey = keccak256(abi.encode(gtin, serialHash));
        address holder = _custodians[productKey];
        if (holder == address(0)) holder = brand;
        if (msg.sender != holder) revert ProvenanceRegistryNotCustodian(gtin, serialHash, msg.sender);
        if (to != brand) {
            if (!_authorised[brand][to]) revert ProvenanceRegistryActorNotAuthorised(brand, to);
            _requireActive(to, IParticipantRegistry.Role.SupplyChainActor);
        }
        _custodians[productKey] = to;
        emit CustodyTransferred(gtin, serialHash, to, holder);
    }

    /// @inheritdoc IProvenanceRegistry
    /// @dev Requirements: the GTIN is registered; caller is its brand (an active Brand) or the
    /// registry admin; the flag changes.
    /// Emits {ProductClassRecallSet}.
    function setProductClassRecall(uint256 gtin, bool recalled) external {
        ProductClass storage stored = _productClasses[gtin];
        if (stored.brand == address(0)) revert ProvenanceRegistryUnknownProductClass(gtin);
        _requireRecallAuthority(gtin, stored.brand);
        if (stored.recalled == recalled) revert ProvenanceRegistryRecallUnchanged(recalled);
        stored.recalled = recalled;
        emit ProductClassRecallSet(gtin, msg.sender, recalled);
    }

    /// @inheritdoc IProvenanceRegistry
    /// @dev Requirements: the serial batch exists; caller is its product's brand (an active
    /// Brand) or the registry admin; the flag changes.
    /// Emits {SerialBatchRecallSet}.
    function setSerialBatchRecall(uint256 serialBatchId, bool recalled) external {
        SerialBatch storage stored = _serialBatches[serialBatchId];
        uint256 gtin = stored.gtin;
        if (gtin == 0) revert ProvenanceRegistryUnknownSerialBatch(serialBatchId);
        _requireRecallAuthority(gtin, _productClasses[gtin].brand);
        if (stored.recalled == recalled) revert ProvenanceRegistryRecallUnchanged(recalled);
        stored.recalled = recalled;
        emit SerialBatchRecallSet(serialBatchId, gtin, msg.sender, recalled);
    }

    /// @inheritdoc IProvenanceRegistry
    function verifyEventAnchor(bytes32 batchId, bytes32 eventHash, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        bytes32 root = _anchors[batchId].eventsRoot;
        if (root == bytes32(0)) return false;
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(eventHash))));
        return MerkleProof.verifyCalldata(proof, root, leaf);
    }

    /// @inheritdoc IProvenanceRegistry
    function verifySerial(uint256 serialBatchId, bytes32 serialHash, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        SerialBatch storage stored = _serialBatches[serialBatchId];
        bytes32 root = stored.serialsRoot;
        if (root == bytes32(0)) return false;
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(uint256(stored.gtin), serialHash))));
        return MerkleProof.verifyCalldata(proof, root, leaf);
    }

    /// @inheritdoc IProvenanceRegistry
    function isRecalled(uint256 serialBatchId) external view returns (bool) {
        SerialBatch storage stored = _serialBatches[serialBatchId];
        if (stored.gtin == 0) revert ProvenanceRegistryUnknownSerialBatch(serialBatchId);
        return stored.recalled || _productClasses[stored.gtin].recalled;
    }

    /// @inheritdoc IProvenanceRegistry
    function productClass(uint256 gtin) external view returns (ProductClass memory) {
        return _productClasses[gtin];
    }

    /// @inheritdoc IProvenanceRegistry
    function serialBatch(uint256 serialBatchId) external view returns (SerialBatch memory) {
        return _serialBatches[serialBatchId];
    }

    /// @inheritdoc IProvenanceRegistry
    function eventAnchor(bytes32 batchId) external view returns (EventAnchor memory) {
        return _anchors[batchId];
    }

    /// @inheritdoc IProvenanceRegistry
    function isAuthorised(address brand, address actor) external view returns (bool) {
        return _authorised[brand][actor];
    }

    /// @inheritdoc IProvenanceRegistry
    function custodian(uint256 gtin, bytes32 serialHash) external view returns (address) {
        address brand = _productClasses[gtin].brand;
        if (brand == address(0)) revert ProvenanceRegistryUnknownProductClass(gtin);
        address holder = _custodians[keccak256(abi.encode(gtin, serialHash))];
        return holder == address(0) ? brand : holder;
    }

    /// @notice The ParticipantRegistry this contract asks.
    function participantRegistry() external view returns (address) {
        return address(_registry);
    }

    function _requireActive(address account, IParticipantRegistry.Role role) private view {
        if (!_registry.isActive(account, role)) {
            if (role == IParticipantRegistry.Role.Brand) revert ProvenanceRegistryNotBrand(account);
            revert ProvenanceRegistryNotSupplyChainActor(account);
        }
    }

    function _requireProductBrand(uint256 gtin) private view {
        address brand = _productClasses[gtin].brand;
        if (brand == address(0)) revert ProvenanceRegistryUnknownProductClass(gtin);
        if (brand != msg.sender) revert ProvenanceRegistryNotProductBrand(gtin, msg.sender);
    }

    function _requireRecallAuthority(uint256 gtin, address brand) private view {
        if (_registry.isAdmin(msg.sender)) return;
        if (msg.sender != brand) revert ProvenanceRegistryNotProductBrand(gtin, msg.sender);
        _requireActive(msg.sender, IParticipantRegistry.Role.Brand);
    }

    /// @dev GS1 check digit: weights 3,1,3,... from the digit left of the check digit leftwards.
    /// Thirteen iterations at most, whatever the input.
    function _isValidGtin(uint256 gtin) private pure returns (bool) {
        if (gtin == 0 || gtin >= _GTIN_LIMIT) return false;
        uint256 body = gtin / 10;
        uint256 sum;
        for (uint256 position; position < 13; ++position) {
            sum += (body % 10) * (position % 2 == 0 ? 3 : 1);
            body /= 10;
        }
        return (10 - (sum % 10)) % 10 == gtin % 10;
    }
}
