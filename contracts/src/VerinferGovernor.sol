// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorVotesQuorumFraction} from
    "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title VerinferGovernor
/// @notice The only way to change the protocol: VRF holders (their delegated ERC-5805 votes, read
///         at each proposal's snapshot) vote, and a passed proposal runs through the
///         `VerinferTimelock` after its delay. The standard OpenZeppelin Governor (so Tally and
///         every `IGovernor` client work), with hard bounds on its own settings that no vote can
///         pass: voting can never be made too short to notice, a quorum never vanishes nor grows
///         out of reach, proposing never becomes the privilege of a few, and the timelock cannot
///         be swapped for one without a delay.
///
///         Quorum is in basis points of the total supply at the snapshot (`quorumDenominator`
///         10 000), counting for + abstain votes (`GovernorCountingSimple`).
contract VerinferGovernor is
    Governor,
    GovernorSettings,
    GovernorCountingSimple,
    GovernorVotes,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl
{
    /// @notice Quorum bounds, basis points of the supply: 0.2% .. 20%.
    uint256 public constant MIN_QUORUM_BPS = 20;
    uint256 public constant MAX_QUORUM_BPS = 2_000;
    /// @notice Longest voting delay and period, in blocks (about 7 and 30 days of 12 s blocks).
    uint256 public constant MAX_VOTING_DELAY = 50_400;
    uint256 public constant MAX_VOTING_PERIOD = 216_000;
    /// @notice The proposal threshold never exceeds 1% of the supply.
    uint256 public constant MAX_THRESHOLD_BPS = 100;
    /// @notice Shortest voting period this deployment allows (blocks, fixed at deployment, ≥ 2).
    uint256 public immutable minVotingPeriod;

    error SettingOutOfRange(string field, uint256 value, uint256 min, uint256 max);
    error TimelockIsFixed();

    /// @param token_ the VRF token (ERC20Votes, block-number clock)
    /// @param timelock_ the timelock that holds every admin power and executes passed proposals
    /// @param votingDelay_ blocks between a proposal and its snapshot (when voting opens)
    /// @param votingPeriod_ blocks voting stays open
    /// @param minVotingPeriod_ the floor no vote can lower the voting period below (≥ 2 blocks)
    /// @param threshold_ votes a proposer needs (base units)
    /// @param quorumBps_ quorum, basis points of the supply
    constructor(
        IVotes token_,
        TimelockController timelock_,
        uint48 votingDelay_,
        uint32 votingPeriod_,
        uint32 minVotingPeriod_,
        uint256 threshold_,
        uint256 quorumBps_
    )
        Governor("Verinfer Governor")
        GovernorSettings(votingDelay_, votingPeriod_, threshold_)
        GovernorVotes(token_)
        GovernorVotesQuorumFraction(quorumBps_)
        GovernorTimelockControl(timelock_)
    {
        if (minVotingPeriod_ < 2 || minVotingPeriod_ > MAX_VOTING_PERIOD) {
            revert SettingOutOfRange("minVotingPeriod", minVotingPeriod_, 2, MAX_VOTING_PERIOD);
        }
        minVotingPeriod = minVotingPeriod_;
        // the settings' setters ran before the floor and the token were known: check again
        _checkVotingPeriod(votingPeriod_);
        _checkThreshold(threshold_);
    }

    /// @notice Quorum and thresholds are in basis points.
    function quorumDenominator() public pure override returns (uint256) {
        return 10_000;
    }

    /// @notice The timelock is fixed: a vote could otherwise move execution to a timelock with no
    ///         delay (or no bounds) in one step. Moving to a new governance means the timelock
    ///         granting a new governor its roles, which itself waits out the delay.
    function updateTimelock(TimelockController) external pure override {
        revert TimelockIsFixed();
    }

    function _setVotingDelay(uint48 value) internal override {
        if (value > MAX_VOTING_DELAY) revert SettingOutOfRange("votingDelay", value, 0, MAX_VOTING_DELAY);
        super._setVotingDelay(value);
    }

    function _setVotingPeriod(uint32 value) internal override {
        // during construction minVotingPeriod is still 0; the constructor checks it afterwards
        _checkVotingPeriod(value);
        super._setVotingPeriod(value);
    }

    function _setProposalThreshold(uint256 value) internal override {
        // during construction the token is not set yet (zero); the constructor checks it afterwards
        if (address(token()) != address(0)) _checkThreshold(value);
        super._setProposalThreshold(value);
    }

    function _checkThreshold(uint256 value) private view {
        uint256 max = IERC20(address(token())).totalSupply() * MAX_THRESHOLD_BPS / 10_000;
        if (value > max) revert SettingOutOfRange("proposalThreshold", value, 0, max);
    }

    function _updateQuorumNumerator(uint256 value) internal override {
        if (value < MIN_QUORUM_BPS || value > MAX_QUORUM_BPS) {
            revert SettingOutOfRange("quorumBps", value, MIN_QUORUM_BPS, MAX_QUORUM_BPS);
        }
        super._updateQuorumNumerator(value);
    }

    function _checkVotingPeriod(uint256 value) private view {
        uint256 floor = minVotingPeriod < 2 ? 2 : minVotingPeriod;
        if (value < floor || value > MAX_VOTING_PERIOD) {
            revert SettingOutOfRange("votingPeriod", value, floor, MAX_VOTING_PERIOD);
        }
    }

    // ------------------------------------------------- the overrides Solidity requires

    function state(uint256 proposalId)
        public
        view
        override(Governor, GovernorTimelockControl)
        returns (ProposalState)
    {
        return super.state(proposalId);
    }

    function proposalNeedsQueuing(uint256 proposalId)
        public
        view
        override(Governor, GovernorTimelockControl)
        returns (bool)
    {
        return super.proposalNeedsQueuing(proposalId);
    }

    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }
}
