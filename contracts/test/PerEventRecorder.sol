// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title Per-event recorder (benchmark baseline, test only)
/// @notice The design settlement replaces: every billed impression, click or conversion is its
/// own transaction that counts it and emits it, so the chain alone could prove it.
/// @dev Minimal on purpose (one counter, one event, no checks): the baseline's gas per event
/// is a floor, which makes the settlement benchmark's ratio conservative.
contract PerEventRecorder {
    /// @notice Events recorded so far.
    uint256 public recorded;

    /// @notice One ad event, with the fields of an escrow event leaf.
    event AdEventRecorded(
        uint256 indexed campaignId, address indexed publisher, bytes32 eventHash, uint8 kind, uint256 price
    );

    /// @notice Count one ad event and emit it.
    /// @dev Requirements: none. Emits {AdEventRecorded}.
    function record(uint256 campaignId, bytes32 eventHash, address publisher, uint8 kind, uint256 price) external {
        recorded += 1;
        emit AdEventRecorded(campaignId, publisher, eventHash, kind, price);
    }
}
