// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title The few forge cheatcodes the invariant campaign uses
/// @dev forge-std is not installable offline (it comes from git), so the cheatcodes are
/// declared here; forge answers them at this well-known address.
interface Vm {
    function warp(uint256 timestamp) external;
    function prank(address sender) external;
    function addr(uint256 privateKey) external pure returns (address);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
}

Vm constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
