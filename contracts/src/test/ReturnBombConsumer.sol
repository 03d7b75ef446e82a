// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {InferenceCoordinator} from "../InferenceCoordinator.sol";

/// @title ReturnBombConsumer — test only
/// @notice An attacking requester for the attack suite (issue 12, finding 8): its callback
///         returns `bombBytes` of return data. Copying that into the coordinator's memory cost the
///         delivering provider quadratic gas beyond the callback's declared limit, so the answer
///         could not be delivered unless the provider paid millions of gas for it.
contract ReturnBombConsumer {
    InferenceCoordinator public immutable coordinator;
    uint256 public immutable bombBytes;

    constructor(InferenceCoordinator coordinator_, uint256 bombBytes_) {
        coordinator = coordinator_;
        bombBytes = bombBytes_;
    }

    function ask(uint64 modelId, bytes calldata input, uint96 maxFee, uint32 callbackGas)
        external
        returns (uint256)
    {
        return coordinator.requestInference(modelId, input, 0, maxFee, callbackGas);
    }

    // solhint-disable-next-line no-unused-vars
    function onInferenceResult(uint256, bytes calldata) external view {
        uint256 size = bombBytes;
        // solhint-disable-next-line no-inline-assembly
        assembly {
            return(0, size)
        }
    }
}
