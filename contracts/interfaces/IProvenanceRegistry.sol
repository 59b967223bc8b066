// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title Provenance registry interface
/// @notice Product classes and serial batches registered by brands, supply-chain event batches
/// anchored by the actors who recorded them, custody and recalls.
/// @dev Encodings (OpenZeppelin StandardMerkleTree leaves, sorted-pair hashing):
/// - GTIN: the GTIN-14 as a number (leading zeros implied), check digit validated here.
/// - serial hash: keccak256 of the GS1 serial (AI 21) string's UTF-8 bytes.
/// - serial leaf: keccak256(bytes.concat(keccak256(abi.encode(uint256 gtin, bytes32 serialHash)))).
/// - event leaf: keccak256(bytes.concat(keccak256(abi.encode(bytes32 eventHash)))), where
///   eventHash is the EPCIS 2.0 canonical event hash (sha-256 digest).
/// Metadata and batch-document CIDs travel in events only (the indexer mirrors them); storage
/// keeps what on-chain checks need.
interface IProvenanceRegistry {
    /// @notice One slot per GTIN.
    struct ProductClass {
        address brand;
        bool recalled;
    }

    /// @notice A batch of serials of one GTIN, registered as one Merkle root.
    struct SerialBatch {
        bytes32 serialsRoot;
        uint64 gtin;
        uint32 serialCount;
        bool recalled;
    }

    /// @notice What an actor signs to anchor a batch of events, EIP-712 type `EventBatch`.
    /// @dev `brand` is the brand whose products the events concern; the actor must serve it.
    /// `documentCid` is the CID bytes of the batch document in the content store (hashed as
    /// EIP-712 `bytes`). `nonce` is any value the signer picks, unique per batch (the batcher
    /// uses its batch sequence number); it makes the batch id unique.
    struct EventBatch {
        address actor;
        address brand;
        bytes32 eventsRoot;
        uint32 eventCount;
        bytes documentCid;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice An anchored event batch, keyed by its id (the EIP-712 digest of its EventBatch).
    struct EventAnchor {
        bytes32 eventsRoot;
        address actor;
        uint32 eventCount;
        uint40 anchoredAt;
    }

    error ProvenanceRegistryZeroAddress();
    error ProvenanceRegistryNotBrand(address account);
    error ProvenanceRegistryNotSupplyChainActor(address account);
    error ProvenanceRegistryInvalidGtin(uint256 gtin);
    error ProvenanceRegistryProductClassExists(uint256 gtin, address brand);
    error ProvenanceRegistryUnknownProductClass(uint256 gtin);
    error ProvenanceRegistryNotProductBrand(uint256 gtin, address caller);
    error ProvenanceRegistryEmptyBatch();
    error ProvenanceRegistryUnknownSerialBatch(uint256 serialBatchId);
    error ProvenanceRegistryAlreadyAuthorised(address brand, address actor);
    error ProvenanceRegistryActorNotAuthorised(address brand, address actor);
    error ProvenanceRegistrySignatureExpired(uint256 deadline);
    error ProvenanceRegistryInvalidSignature(address expected, address recovered);
    error ProvenanceRegistryBatchExists(bytes32 batchId);
    error ProvenanceRegistryNotCustodian(uint256 gtin, bytes32 serialHash, address caller);
    error ProvenanceRegistryRecallUnchanged(bool recalled);

    event ProductClassRegistered(uint256 indexed gtin, address indexed brand, bytes metadataCid);
    event SerialBatchRegistered(
        uint256 indexed serialBatchId,
        uint256 indexed gtin,
        address indexed brand,
        bytes32 serialsRoot,
        uint32 serialCount,
        bytes metadataCid
    );
    event ActorAuthorised(address indexed brand, address indexed actor);
    event ActorRevoked(address indexed brand, address indexed actor);
    event EventsAnchored(
        bytes32 indexed batchId,
        address indexed actor,
        address indexed brand,
        bytes32 eventsRoot,
        uint32 eventCount,
        bytes documentCid,
        uint256 nonce
    );
    event CustodyTransferred(uint256 indexed gtin, bytes32 indexed serialHash, address indexed to, address from);
    event ProductClassRecallSet(uint256 indexed gtin, address indexed by, bool recalled);
    event SerialBatchRecallSet(uint256 indexed serialBatchId, uint256 indexed gtin, address indexed by, bool recalled);

    /// @notice Register a GTIN for the calling brand.
    function registerProductClass(uint256 gtin, bytes calldata metadataCid) external;

    /// @notice Register a batch of serials of the caller's GTIN as one Merkle root.
    function registerSerialBatch(uint256 gtin, bytes32 serialsRoot, uint32 serialCount, bytes calldata metadataCid)
        external
        returns (uint256 serialBatchId);

    /// @notice Let a supply-chain actor record events and hold custody for the calling brand.
    function authoriseActor(address actor) external;

    /// @notice Withdraw an actor's authorisation for the calling brand.
    function revokeActor(address actor) external;

    /// @notice Anchor a batch of events signed by the actor that recorded them; anyone may relay it.
    function anchorEvents(EventBatch calldata batch, bytes calldata signature) external returns (bytes32 batchId);

    /// @notice Hand custody of one serialised product to the brand or one of its actors.
    function transferCustody(uint256 gtin, bytes32 serialHash, address to) external;

    /// @notice Set or clear the recall flag of a whole product class.
    function setProductClassRecall(uint256 gtin, bool recalled) external;

    /// @notice Set or clear the recall flag of one serial batch.
    function setSerialBatchRecall(uint256 serialBatchId, bool recalled) external;

    /// @notice True when `eventHash` is a leaf of the anchored batch `batchId`.
    function verifyEventAnchor(bytes32 batchId, bytes32 eventHash, bytes32[] calldata proof)
        external
        view
        returns (bool);

    /// @notice True when `serialHash` is a serial of the registered batch `serialBatchId`.
    function verifySerial(uint256 serialBatchId, bytes32 serialHash, bytes32[] calldata proof)
        external
        view
        returns (bool);

    /// @notice True when the product class or the serial batch is recalled.
    function isRecalled(uint256 serialBatchId) external view returns (bool);

    /// @notice The brand and recall flag of a GTIN (zero brand when unregistered).
    function productClass(uint256 gtin) external view returns (ProductClass memory);

    /// @notice A registered serial batch (all zero when unknown).
    function serialBatch(uint256 serialBatchId) external view returns (SerialBatch memory);

    /// @notice An anchored event batch (all zero when unknown).
    function eventAnchor(bytes32 batchId) external view returns (EventAnchor memory);

    /// @notice True when `brand` has authorised `actor` (the actor's role is checked when it acts).
    function isAuthorised(address brand, address actor) external view returns (bool);

    /// @notice Current custodian of a product: the brand until custody is first transferred.
    function custodian(uint256 gtin, bytes32 serialHash) external view returns (address);
}
