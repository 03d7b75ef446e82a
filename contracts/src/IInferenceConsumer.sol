// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IInferenceConsumer
/// @notice What a contract implements to receive on-chain inference results.
interface IInferenceConsumer {
    /// @notice Called by the InferenceCoordinator with the output of request `requestId`
    ///         (Verinfer's canonical tensor bytes; `VerinferTensors` reads them).
    function onInferenceResult(uint256 requestId, bytes calldata output) external;
}
