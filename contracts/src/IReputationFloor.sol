// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @notice What provider selection asks `ProviderReputation`: may this provider be assigned work
///         for this model (its score at or above the governed floor)?
interface IReputationFloor {
    function meetsFloor(uint64 modelId, address provider) external view returns (bool);
}
