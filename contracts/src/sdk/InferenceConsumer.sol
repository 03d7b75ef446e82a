// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IInferenceConsumer} from "../IInferenceConsumer.sol";
import {InferenceCoordinator} from "../InferenceCoordinator.sol";
import {CoordinatorRecords} from "../CoordinatorRecords.sol";

/// @title InferenceConsumer
/// @notice Base contract for dapps: `_request(model, input, maxFee, gas)` is one line, results
///         arrive in `_onResult`, and only the coordinator can deliver them. Fund the contract's
///         deposit with `coordinator.depositFor(address(thisContract), amount)`.
abstract contract InferenceConsumer is IInferenceConsumer {
    /// @notice Verification modes (the coordinator's constants).
    uint8 internal constant MODE_NONE = 0;
    uint8 internal constant MODE_OPTIMISTIC = 1;

    InferenceCoordinator public immutable coordinator;

    error OnlyCoordinator(address caller);

    constructor(InferenceCoordinator coordinator_) {
        coordinator = coordinator_;
    }

    /// @inheritdoc IInferenceConsumer
    function onInferenceResult(uint256 requestId, bytes calldata output) external {
        if (msg.sender != address(coordinator)) revert OnlyCoordinator(msg.sender);
        _onResult(requestId, output);
    }

    /// @notice Requests `modelId` on `input`, paying at most `maxFee` from this contract's deposit;
    ///         the result comes to `_onResult` with `callbackGas` gas.
    function _request(uint64 modelId, bytes memory input, uint96 maxFee, uint32 callbackGas)
        internal
        returns (uint256 requestId)
    {
        return coordinator.requestInference(modelId, input, MODE_NONE, maxFee, callbackGas);
    }

    /// @notice As `_request`, with a verification `mode`: `MODE_OPTIMISTIC` delivers the answer
    ///         only after its challenge window passed unchallenged (or a committee cleared it).
    function _request(uint64 modelId, bytes memory input, uint8 mode, uint96 maxFee, uint32 callbackGas)
        internal
        returns (uint256 requestId)
    {
        return coordinator.requestInference(modelId, input, mode, maxFee, callbackGas);
    }

    /// @notice Takes back the reserve of this contract's request `requestId` when nobody answered
    ///         it by its deadline; `ticket` is the one in the request's latest
    ///         `InferenceRequested` / `Reassigned` event.
    function _cancel(uint256 requestId, CoordinatorRecords.Ticket calldata ticket) internal {
        coordinator.cancel(requestId, ticket);
    }

    /// @notice The output of request `requestId` (canonical tensor bytes).
    function _onResult(uint256 requestId, bytes calldata output) internal virtual;
}
