// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {InferenceConsumer} from "../sdk/InferenceConsumer.sol";
import {InferenceCoordinator} from "../InferenceCoordinator.sol";
import {VerinferText} from "../sdk/VerinferText.sol";

/// @title NpcDialogue
/// @notice An on-chain game character that answers players through a Verinfer text model: a
///         player `ask`s, a provider generates the reply, and the callback stores it on-chain as
///         the character's line for that request (readable by any other contract or UI).
contract NpcDialogue is InferenceConsumer {
    uint64 public immutable modelId;
    uint96 public immutable maxFee;
    uint32 public constant MAX_TOKENS = 48;
    uint32 public constant CALLBACK_GAS = 400_000;

    mapping(uint256 requestId => string) private _lines;
    mapping(uint256 requestId => address) public askerOf;
    /// @notice The newest line the character said.
    string public lastLine;

    event Asked(uint256 indexed requestId, address indexed player, string question);
    event Said(uint256 indexed requestId, string line);

    constructor(InferenceCoordinator coordinator_, uint64 modelId_, uint96 maxFee_) InferenceConsumer(coordinator_) {
        modelId = modelId_;
        maxFee = maxFee_;
    }

    /// @notice Asks the character `question`; the reply arrives by callback.
    function ask(string calldata question) external returns (uint256 requestId) {
        requestId = _request(modelId, VerinferText.prompt(question, MAX_TOKENS), maxFee, CALLBACK_GAS);
        askerOf[requestId] = msg.sender;
        emit Asked(requestId, msg.sender, question);
    }

    /// @notice The character's reply to request `requestId` ("" before it came).
    function lineOf(uint256 requestId) external view returns (string memory) {
        return _lines[requestId];
    }

    function _onResult(uint256 requestId, bytes calldata output) internal override {
        string memory line = string(output);
        _lines[requestId] = line;
        lastLine = line;
        emit Said(requestId, line);
    }
}
