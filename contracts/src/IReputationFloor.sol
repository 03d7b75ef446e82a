// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @notice What provider selection asks `ProviderReputation`: a provider's score for a model (basis
///         points) and whether it is at or above the governed floor.
interface IReputationFloor {
    function meetsFloor(uint64 modelId, address provider) external view returns (bool);

    function standingOf(uint64 modelId, address provider) external view returns (uint256 score, bool meetsFloor);
}
