// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {InferenceConsumer} from "../sdk/InferenceConsumer.sol";
import {InferenceCoordinator} from "../InferenceCoordinator.sol";
import {VerinferTensors} from "../sdk/VerinferTensors.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title FraudScoreConsumer
/// @notice The Solidity SDK's example: asks the `fraud-detect` model to score a transfer's eight
///         features and keeps the score (6-decimal fixed point) by request id. `chainTo` asks a
///         second model to run on the first model's score when it arrives (chained requests).
contract FraudScoreConsumer is InferenceConsumer {
    uint64 public immutable modelId;
    uint96 public maxFee;
    uint32 public constant CALLBACK_GAS = 100_000;
    /// @notice A callback that makes the follow-up request pays for that request too.
    uint32 public constant CHAINING_CALLBACK_GAS = 400_000;

    /// @dev A score and whether it came, in one slot: the callback writes one new slot.
    struct Answer {
        int128 score;
        bool answered;
    }

    mapping(uint256 requestId => Answer) private _answers;
    /// @notice For a chained request: the model to run on its score, and the follow-up's id.
    mapping(uint256 requestId => uint64) public chainedModelOf;
    mapping(uint256 requestId => uint256) public followUpOf;

    event ScoreRequested(uint256 indexed requestId);
    event Scored(uint256 indexed requestId, int256 score);

    constructor(InferenceCoordinator coordinator_, uint64 modelId_, uint96 maxFee_) InferenceConsumer(coordinator_) {
        modelId = modelId_;
        maxFee = maxFee_;
    }

    /// @notice Scores `features` (8 values, 6-decimal fixed point): one line with the SDK.
    function requestScore(int256[] calldata features) external returns (uint256 requestId) {
        requestId = _request(modelId, VerinferTensors.row("features", features), maxFee, CALLBACK_GAS);
        emit ScoreRequested(requestId);
    }

    /// @notice Scores `features` optimistically: the score arrives only after the challenge
    ///         window passed unchallenged (or the dispute committee cleared it).
    function requestScoreOptimistic(int256[] calldata features) external returns (uint256 requestId) {
        requestId = _request(modelId, VerinferTensors.row("features", features), MODE_OPTIMISTIC, maxFee, CALLBACK_GAS);
        emit ScoreRequested(requestId);
    }

    /// @notice Scores `features`, then runs `nextModel` on the score (input tensor `x`, [1, 1]).
    function requestChained(int256[] calldata features, uint64 nextModel) external returns (uint256 requestId) {
        requestId = _request(modelId, VerinferTensors.row("features", features), maxFee, CHAINING_CALLBACK_GAS);
        chainedModelOf[requestId] = nextModel;
        emit ScoreRequested(requestId);
    }

    /// @notice The score request `requestId` received (6-decimal fixed point; 0 before it came).
    function scoreOf(uint256 requestId) external view returns (int256) {
        return _answers[requestId].score;
    }

    /// @notice Whether request `requestId`'s answer has come.
    function answered(uint256 requestId) external view returns (bool) {
        return _answers[requestId].answered;
    }

    function _onResult(uint256 requestId, bytes calldata output) internal override {
        int256 score = VerinferTensors.firstValue(output);
        _answers[requestId] = Answer({score: SafeCast.toInt128(score), answered: true});
        emit Scored(requestId, score);
        uint64 next = chainedModelOf[requestId];
        if (next != 0) {
            int256[] memory input = new int256[](1);
            input[0] = score;
            followUpOf[requestId] = _request(next, VerinferTensors.row("x", input), maxFee, CALLBACK_GAS);
        }
    }
}
