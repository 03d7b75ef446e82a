// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ProviderRegistry} from "../ProviderRegistry.sol";

/// @title SwarmMember
/// @notice Test-only: one real provider of the real ProviderRegistry (its own address stakes,
///         registers and lists), created in batches by `ProviderSwarm`.
contract SwarmMember {
    address private immutable _swarm;

    error SwarmOnly(address caller);

    constructor() {
        _swarm = msg.sender;
    }

    /// @notice Stakes what this contract holds, registers and lists `modelId` at `price`; a
    ///         `dead` member then unbonds everything, leaving a listing with no stake behind it.
    function join(ProviderRegistry registry, IERC20 token, uint64 modelId, uint256 price, bool dead) external {
        if (msg.sender != _swarm) revert SwarmOnly(msg.sender);
        uint256 amount = token.balanceOf(address(this));
        token.approve(address(registry), amount);
        registry.stake(amount);
        registry.register("https://swarm.test", bytes32(0));
        registry.setModel(modelId, price);
        if (dead) registry.requestUnbond(amount);
    }
}
