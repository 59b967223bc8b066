// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title Skimming token (test only)
/// @notice An ERC-20 that burns 1% of every transfer, so the recipient gets less than was sent:
/// the registries must refuse to count what never arrived.
contract SkimmingTestToken is ERC20 {
    constructor() ERC20("Skimming Test Token", "SKIM") {}

    /// @notice Mint `amount` to `to`; anyone may (test only).
    /// @dev Emits {Transfer} from the zero address.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) {
            super._update(from, to, value);
            return;
        }
        uint256 skimmed = value / 100;
        super._update(from, address(0), skimmed);
        super._update(from, to, value - skimmed);
    }
}
