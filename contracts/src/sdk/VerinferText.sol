// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title VerinferText
/// @notice Builds the input of a text completion for the InferenceCoordinator ("VTC1"): the
///         provider renders `message` as one user turn with the model's chat template, decodes
///         greedily (so a committee can re-run it and compare byte for byte) for at most
///         `maxTokens` tokens, and delivers the reply as UTF-8 bytes to the callback.
///
///         Layout: "VTC1", u32 maxTokens (big-endian), the message's UTF-8 bytes to the end.
library VerinferText {
    /// @notice The most tokens one request may ask for (a reply must fit `maxOutputBytes`).
    uint32 internal constant MAX_TOKENS = 256;

    error EmptyMessage();
    error MaxTokensOutOfRange(uint32 maxTokens);

    function prompt(string memory message, uint32 maxTokens) internal pure returns (bytes memory) {
        if (bytes(message).length == 0) revert EmptyMessage();
        if (maxTokens == 0 || maxTokens > MAX_TOKENS) revert MaxTokensOutOfRange(maxTokens);
        return abi.encodePacked("VTC1", maxTokens, message);
    }
}
