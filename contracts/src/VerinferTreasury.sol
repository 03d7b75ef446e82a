// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @notice A contract the treasury has earnings in (PaymentChannels, InferenceCoordinator).
interface IEarnings {
    function claimEarnings() external returns (uint256);
}

/// @notice A contract the treasury is owed by (DisputeManager).
interface IOwed {
    function claim() external returns (uint256);
}

/// @title VerinferTreasury
/// @notice Where protocol fees, slashed remainders and forfeited bonds go. Anyone may pull what
///         the protocol's contracts owe it (`collect*`: it only ever moves money in); only the
///         governance timelock (its owner) can pay out, one proposal per grant.
contract VerinferTreasury is Ownable {
    using SafeERC20 for IERC20;

    IERC20 public immutable token;

    event Collected(address indexed source, uint256 amount);
    event Paid(address indexed token, address indexed to, uint256 amount, string memo);

    error ZeroAddress(string field);

    constructor(address timelock, IERC20 token_) Ownable(timelock) {
        if (address(token_) == address(0)) revert ZeroAddress("token");
        token = token_;
    }

    /// @notice Moves the treasury's earnings at `source` (claimEarnings) into this contract.
    ///         What arrived is counted by the balance change, not by the callee's answer: a
    ///         contract that lies about what it paid cannot make the event say otherwise.
    function collectEarnings(IEarnings source) external returns (uint256 amount) {
        uint256 before = token.balanceOf(address(this));
        source.claimEarnings();
        amount = _arrived(address(source), before);
    }

    /// @notice Moves what `source` owes the treasury (claim) into this contract.
    function collectOwed(IOwed source) external returns (uint256 amount) {
        uint256 before = token.balanceOf(address(this));
        source.claim();
        amount = _arrived(address(source), before);
    }

    /// @notice Pays `amount` VRF to `to` (governance only): a grant, a reward, a refund.
    function pay(address to, uint256 amount, string calldata memo) external onlyOwner {
        payToken(token, to, amount, memo);
    }

    /// @notice Pays any ERC-20 the treasury holds (governance only).
    function payToken(IERC20 asset, address to, uint256 amount, string calldata memo) public onlyOwner {
        if (to == address(0)) revert ZeroAddress("to");
        emit Paid(address(asset), to, amount, memo);
        asset.safeTransfer(to, amount);
    }

    function _arrived(address source, uint256 before) private returns (uint256 amount) {
        amount = token.balanceOf(address(this)) - before;
        emit Collected(source, amount);
    }
}
