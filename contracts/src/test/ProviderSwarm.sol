// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ProviderRegistry} from "../ProviderRegistry.sol";
import {SwarmMember} from "./SwarmMember.sol";

/// @title ProviderSwarm
/// @notice Test-only: creates many real providers cheaply (one transaction per batch) so gas and
///         capture can be measured at 10 … 10,000 providers. Holds the tokens it hands out.
contract ProviderSwarm {
    ProviderRegistry public immutable registry;
    IERC20 public immutable token;
    address[] public members;

    error TransferFailed(address to);

    constructor(ProviderRegistry registry_, IERC20 token_) {
        registry = registry_;
        token = token_;
    }

    /// @notice Creates `count` providers of `modelId`, each staking `stakeEach` (taken from
    ///         this contract's balance) at `price`; `dead` ones unbond at once.
    function spawn(uint256 count, uint64 modelId, uint256 price, uint256 stakeEach, bool dead) external {
        for (uint256 i = 0; i < count; i++) {
            SwarmMember m = new SwarmMember();
            if (!token.transfer(address(m), stakeEach)) revert TransferFailed(address(m));
            m.join(registry, token, modelId, price, dead);
            members.push(address(m));
        }
    }

    function memberCount() external view returns (uint256) {
        return members.length;
    }
}
