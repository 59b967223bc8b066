// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title Indexer load emitter (test only)
/// @notice Emits many events per transaction with the exact signatures of
/// {SettlementToken} and {IParticipantRegistry}, so the indexer's tests and benchmark
/// can produce thousands of real-shaped events for the cost of a few transactions.
/// @dev A deployment manifest registers an emitter under the artifact whose events it
/// imitates; the indexer then decodes and projects them as that contract's events.
/// Not deployed outside tests and benchmarks: it keeps no state and checks nothing.
contract IndexerLoadEmitter {
    event Transfer(address indexed from, address indexed to, uint256 value);
    event ParticipantRolesSet(address indexed account, uint16 roles);
    event KycUpdated(address indexed account, uint64 kycExpiry);

    /// @notice Emit `count` {Transfer} events from `from`, cycling through `to`.
    /// @dev Requirements: `to` is not empty. Emits {Transfer} `count` times.
    function emitTransfers(address from, address[] calldata to, uint256 value, uint256 count) external {
        uint256 recipients = to.length;
        for (uint256 i = 0; i < count; ++i) {
            emit Transfer(from, to[i % recipients], value);
        }
    }

    /// @notice Emit one {ParticipantRolesSet} and one {KycUpdated} per account.
    /// @dev Emits {ParticipantRolesSet} and {KycUpdated} for each of `accounts`.
    function emitParticipants(address[] calldata accounts, uint16 roles, uint64 kycExpiry) external {
        for (uint256 i = 0; i < accounts.length; ++i) {
            emit ParticipantRolesSet(accounts[i], roles);
            emit KycUpdated(accounts[i], kycExpiry);
        }
    }
}
