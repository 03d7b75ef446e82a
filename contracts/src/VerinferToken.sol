// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title VerinferToken
/// @notice The protocol's ERC-20: providers stake it, consumers pay with it, holders vote with it.
///         Fixed supply, minted once to `holder` at deployment. EIP-2612 permit; ERC-5805 votes.
contract VerinferToken is ERC20, ERC20Permit, ERC20Votes {
    /// @param holder receives the whole `supply` (base units, 18 decimals)
    constructor(address holder, uint256 supply) ERC20("Verinfer", "VRF") ERC20Permit("Verinfer") {
        _mint(holder, supply);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}
