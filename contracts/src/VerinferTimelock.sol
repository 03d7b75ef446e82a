// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title VerinferTimelock
/// @notice Holds every admin power of the protocol (ProtocolParams, every role admin, the
///         treasury, model delisting) and executes what the Governor passed, no sooner than its
///         delay after queueing: everyone who depends on a rule sees a change coming and can act
///         (settle vouchers, unbond, withdraw) before it applies.
///
///         OpenZeppelin's TimelockController with one addition: its delay has hard bounds. A vote
///         can lengthen the delay up to `MAX_DELAY`, never shorten it below `minDelayFloor`, the
///         notice this deployment promised when it was made.
contract VerinferTimelock is TimelockController {
    /// @notice The longest delay a vote may set: 30 days.
    uint256 public constant MAX_DELAY = 30 days;
    /// @notice The shortest delay any deployment may promise: 30 seconds (devnets only).
    uint256 public constant MIN_DELAY_FLOOR = 30 seconds;
    /// @notice The shortest delay a vote may set on this deployment.
    uint256 public immutable minDelayFloor;

    uint256 private _delay;

    error DelayOutOfRange(uint256 value, uint256 min, uint256 max);

    /// @param minDelay_ the delay to start with (≥ floor_)
    /// @param floor_ the shortest delay a vote may ever set (≥ `MIN_DELAY_FLOOR`)
    /// @param proposers who may queue (the Governor); they may also cancel
    /// @param executors who may execute once ready (address(0): anyone)
    /// @param admin an optional setup admin that must renounce (address(0): none)
    constructor(
        uint256 minDelay_,
        uint256 floor_,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) TimelockController(minDelay_, proposers, executors, admin) {
        if (floor_ < MIN_DELAY_FLOOR || floor_ > MAX_DELAY) revert DelayOutOfRange(floor_, MIN_DELAY_FLOOR, MAX_DELAY);
        if (minDelay_ < floor_ || minDelay_ > MAX_DELAY) revert DelayOutOfRange(minDelay_, floor_, MAX_DELAY);
        minDelayFloor = floor_;
        _delay = minDelay_;
    }

    /// @notice The delay every operation waits at least (the bounded value, not the parent's).
    function getMinDelay() public view override returns (uint256) {
        return _delay;
    }

    /// @notice Changes the delay; only through an operation of this timelock (so a change of the
    ///         delay itself waits out the current delay), and only within the bounds.
    function updateDelay(uint256 newDelay) external override {
        address sender = _msgSender();
        if (sender != address(this)) revert TimelockUnauthorizedCaller(sender);
        if (newDelay < minDelayFloor || newDelay > MAX_DELAY) revert DelayOutOfRange(newDelay, minDelayFloor, MAX_DELAY);
        emit MinDelayChange(_delay, newDelay);
        _delay = newDelay;
    }
}
