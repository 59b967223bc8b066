// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title Settlement token
/// @notice ERC-20 standing in for a regulated stablecoin: 6 decimals, EIP-2612 permit,
/// only the issuer mints.
contract SettlementToken is ERC20, ERC20Permit, Ownable {
    /// @param name_ token name, also the EIP-712 domain name of its permits.
    /// @param symbol_ token symbol.
    /// @param issuer the only account that may mint.
    constructor(string memory name_, string memory symbol_, address issuer)
        ERC20(name_, symbol_)
        ERC20Permit(name_)
        Ownable(issuer)
    {}

    /// @notice Mint `amount` base units to `to`.
    /// @dev Requirements: caller is the issuer. Emits {Transfer} from the zero address.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    /// @notice 6 decimals, like the fiat stablecoins it stands in for.
    function decimals() public pure override returns (uint8) {
        return 6;
    }
}
