// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @notice A contract that copies protocol numbers to save gas, told to re-read them on a change.
interface IParamsListener {
    function paramsChanged() external;
}

/// @title ProtocolParams
/// @notice Every number the protocol uses, in one place. Owned by the governance timelock: the
///         deployment creates it owned by the deployer only long enough to register the
///         coordinator as a listener, then hands it to the timelock in the same deployment
///         (`transferOwnership`, one step: the new owner is a contract that cannot accept). Each
///         setter checks a hard bound so that even governance cannot set a value that breaks the
///         money rules (for example a fee above 100%), and every change waits out the timelock's
///         delay, so work already served is settled under the rules it was served under.
// solhint-disable-next-line max-states-count
contract ProtocolParams is Ownable { // a registry of every protocol number: one state each
    /// @notice Upper bound on the protocol fee: 20% of every redeemed amount.
    uint16 public constant MAX_PROTOCOL_FEE_BPS = 2_000;
    /// @notice Upper bound on every delay: 90 days.
    uint64 public constant MAX_DELAY = 90 days;
    /// @notice Largest dispute committee.
    uint8 public constant MAX_COMMITTEE = 15;
    /// @notice Upper bound on the bytes (input + outputs) one dispute may carry on-chain: 128 KiB.
    uint32 public constant MAX_DISPUTE_BYTES = 128 * 1024;
    /// @notice Dispute voting windows: at least one minute, at most 30 days.
    uint64 public constant MIN_WINDOW = 1 minutes;
    uint64 public constant MAX_WINDOW = 30 days;
    /// @notice Lower bounds that keep the money rules meaningful (issue 12: a delay of 0 lets a
    ///         consumer withdraw in the block it buys; a bond of 0 makes challenges free).
    uint64 public constant MIN_WITHDRAW_DELAY = 10 minutes;
    uint64 public constant MIN_WITHDRAW_WINDOW = 10 minutes;
    uint64 public constant MAX_WITHDRAW_WINDOW = 30 days;
    uint64 public constant MIN_TERMS_NOTICE = 1 hours;
    /// @notice Unbonding must outlast a whole dispute (challenge, draw, commit, reveal) by this.
    uint64 public constant DISPUTE_MARGIN = 1 hours;
    uint128 public constant MIN_DISPUTE_BOND = 1e18;
    uint128 public constant MIN_PROVIDER_STAKE = 1e18;
    uint16 public constant MIN_SLASH_BPS = 100;
    uint16 public constant MAX_SLASH_BPS = 5_000;
    uint8 public constant MIN_COMMITTEE = 3;
    /// @notice Gas each listener gets for `paramsChanged` (a copy of a few slots needs ~15k).
    uint256 public constant LISTENER_GAS = 100_000;
    uint16 private constant BPS = 10_000;

    // slot 0 (Ownable)
    // slot 1: read together by every redeemBatch
    address public treasury;
    uint16 public protocolFeeBps;
    // slot 2
    uint64 public unbondingDelay;
    uint64 public withdrawDelay;
    uint128 public minProviderStake;

    // slot 3: read together when a committee is drawn
    uint8 public committeeSize;
    uint64 public commitWindow;
    uint64 public revealWindow;
    uint32 public maxDisputeBytes;
    // slot 4: read together when a dispute resolves (with the treasury)
    uint16 public slashBps;
    uint16 public challengerRewardBps;
    uint16 public voterRewardBps;
    uint128 public nonRevealPenalty;
    // slot 5
    uint128 public disputeBond;
    /// @notice How long before a model's royalty or tolerance change takes effect.
    uint64 public termsNotice;
    // slot 6: read by every on-chain inference request
    uint64 public requestTimeout;
    uint32 public maxRequestBytes;
    uint64 public challengeWindow;
    /// @notice Largest output `fulfil` accepts. Input and output limits are each at most half of
    ///         `MAX_DISPUTE_BYTES`, so every accepted answer fits in a dispute whatever changes.
    uint32 public maxOutputBytes;
    // slot 7: read with withdrawDelay by every withdrawal request
    uint64 public withdrawWindow;
    /// @notice The longest `unbondingDelay` ever in force: an unbond requested at any time is
    ///         ready at most this long after it was requested (ProviderRegistry waits this long
    ///         before a newly granted slasher may act).
    uint64 public longestUnbondingDelay;

    /// @notice Contracts that keep a copy of some of these numbers and are told of every change.
    address[] public listeners;

    event ParamChanged(bytes32 indexed name, uint256 oldValue, uint256 newValue);
    event ListenerAdded(address indexed listener);
    event ListenerRemoved(address indexed listener);
    /// @notice A listener reverted on `paramsChanged`: the change stands; its copy is stale until
    ///         it (or anyone) calls its `paramsChanged`, or governance removes it.
    event ListenerFailed(address indexed listener);

    error ZeroAddress(string field);
    error TooManyListeners();
    error ValueOutOfRange(string field, uint256 value, uint256 max);
    error ValueBelowMinimum(string field, uint256 value, uint256 min);
    error CommitteeSizeNotOdd(uint8 value);
    error UnknownListener(address listener);
    error InsufficientGasForListeners(uint256 gasLeft, uint256 needed);

    constructor(
        address admin,
        address treasury_,
        uint16 protocolFeeBps_,
        uint128 minProviderStake_,
        uint64 unbondingDelay_,
        uint64 withdrawDelay_
    ) Ownable(admin) {
        _setTreasury(treasury_);
        _setProtocolFeeBps(protocolFeeBps_);
        _setMinProviderStake(minProviderStake_);
        _setUnbondingDelay(unbondingDelay_);
        _setWithdrawDelay(withdrawDelay_);
        // dispute defaults (governance changes them): a committee of 3, one hour to commit and
        // one to reveal, 32 KiB of dispute data, 10% of the guilty stake slashed (30% of it to
        // the challenger, 20% to the majority voters), 100-token bond, 10-token non-reveal penalty
        _setCommitteeSize(3);
        _setCommitWindow(1 hours);
        _setRevealWindow(1 hours);
        _setMaxDisputeBytes(32 * 1024);
        _setSlashBps(1_000);
        _setRewardShares(3_000, 2_000);
        _setDisputeBond(100e18);
        _setNonRevealPenalty(10e18);
        // on-chain requests: a provider has 5 minutes to fulfil; inputs up to 4 KiB; an
        // optimistic answer may be challenged for 10 minutes before its callback
        _setRequestTimeout(5 minutes);
        _setMaxRequestBytes(4 * 1024);
        _setMaxOutputBytes(28 * 1024);
        _setChallengeWindow(10 minutes);
        // a matured withdrawal may be executed for a day; model terms change after a day's notice
        _setWithdrawWindow(1 days);
        _setTermsNotice(1 days);
        _checkUnbondingCoversDisputes();
    }

    /// @dev After a change, every listener re-reads what it copies (`IParamsListener`). A
    ///      reverting listener cannot block governance: its failure is logged (`ListenerFailed`)
    ///      and the change stands. Whoever executes a change must give every listener its
    ///      `LISTENER_GAS`, so a change cannot be pushed through with a listener starved of gas.
    modifier notifies() {
        _;
        uint256 n = listeners.length;
        for (uint256 i = 0; i < n; i++) {
            uint256 needed = LISTENER_GAS * 64 / 63 + 5_000;
            if (gasleft() < needed) revert InsufficientGasForListeners(gasleft(), needed);
            address listener = listeners[i];
            try IParamsListener(listener).paramsChanged{gas: LISTENER_GAS}() {}
            catch {
                emit ListenerFailed(listener);
            }
        }
    }

    /// @notice Registers a contract to be told of every change (at most 8).
    function addListener(address listener) external onlyOwner {
        if (listener == address(0)) revert ZeroAddress("listener");
        if (listeners.length >= 8) revert TooManyListeners();
        listeners.push(listener);
        emit ListenerAdded(listener);
    }

    /// @notice Stops telling `listener` of changes.
    function removeListener(address listener) external onlyOwner {
        uint256 n = listeners.length;
        for (uint256 i = 0; i < n; i++) {
            if (listeners[i] == listener) {
                listeners[i] = listeners[n - 1];
                listeners.pop();
                emit ListenerRemoved(listener);
                return;
            }
        }
        revert UnknownListener(listener);
    }

    function listenerCount() external view returns (uint256) {
        return listeners.length;
    }

    /// @notice What a withdrawal request needs, in one call (two slots).
    function withdrawalTimes() external view returns (uint64 delay, uint64 window) {
        return (withdrawDelay, withdrawWindow);
    }

    function setWithdrawWindow(uint64 value) external onlyOwner notifies {
        _setWithdrawWindow(value);
    }

    function setTermsNotice(uint64 value) external onlyOwner notifies {
        _setTermsNotice(value);
    }

    /// @notice What an on-chain inference request needs, in one call (two slots).
    function requestConfig()
        external
        view
        returns (uint64 timeout, uint32 maxBytes, uint64 window, uint16 feeBps)
    {
        return (requestTimeout, maxRequestBytes, challengeWindow, protocolFeeBps);
    }

    function setChallengeWindow(uint64 value) external onlyOwner notifies {
        _setChallengeWindow(value);
        _checkUnbondingCoversDisputes();
    }

    function setRequestTimeout(uint64 value) external onlyOwner notifies {
        _setRequestTimeout(value);
    }

    function setMaxRequestBytes(uint32 value) external onlyOwner notifies {
        _setMaxRequestBytes(value);
    }

    function setMaxOutputBytes(uint32 value) external onlyOwner notifies {
        _setMaxOutputBytes(value);
    }

    /// @notice What drawing a committee needs, in one call.
    function committeeConfig() external view returns (uint8 size, uint64 commitWindow_, uint64 revealWindow_) {
        return (committeeSize, commitWindow, revealWindow);
    }

    /// @notice What resolving a dispute needs, in one call.
    function disputeMoney()
        external
        view
        returns (address treasury_, uint16 slashBps_, uint16 challengerBps, uint16 voterBps, uint128 penalty)
    {
        return (treasury, slashBps, challengerRewardBps, voterRewardBps, nonRevealPenalty);
    }

    function setCommitteeSize(uint8 value) external onlyOwner notifies {
        _setCommitteeSize(value);
    }

    function setCommitWindow(uint64 value) external onlyOwner notifies {
        _setCommitWindow(value);
        _checkUnbondingCoversDisputes();
    }

    function setRevealWindow(uint64 value) external onlyOwner notifies {
        _setRevealWindow(value);
        _checkUnbondingCoversDisputes();
    }

    function setMaxDisputeBytes(uint32 value) external onlyOwner notifies {
        _setMaxDisputeBytes(value);
    }

    function setSlashBps(uint16 value) external onlyOwner notifies {
        _setSlashBps(value);
    }

    /// @notice The challenger's and the majority voters' shares of a slash (and the voters' of a
    ///         forfeited bond); together at most 100%.
    function setRewardShares(uint16 challengerBps, uint16 voterBps) external onlyOwner notifies {
        _setRewardShares(challengerBps, voterBps);
    }

    function setDisputeBond(uint128 value) external onlyOwner notifies {
        _setDisputeBond(value);
    }

    function setNonRevealPenalty(uint128 value) external onlyOwner notifies {
        _setNonRevealPenalty(value);
    }

    /// @notice The two values a redemption needs, in one call (one storage slot).
    function feeConfig() external view returns (uint16 feeBps, address treasuryAddress) {
        return (protocolFeeBps, treasury);
    }

    function setTreasury(address value) external onlyOwner notifies {
        _setTreasury(value);
    }

    function setProtocolFeeBps(uint16 value) external onlyOwner notifies {
        _setProtocolFeeBps(value);
    }

    function setMinProviderStake(uint128 value) external onlyOwner notifies {
        _setMinProviderStake(value);
    }

    function setUnbondingDelay(uint64 value) external onlyOwner notifies {
        _setUnbondingDelay(value);
        _checkUnbondingCoversDisputes();
    }

    function setWithdrawDelay(uint64 value) external onlyOwner notifies {
        _setWithdrawDelay(value);
    }

    function _setTreasury(address value) private {
        if (value == address(0)) revert ZeroAddress("treasury");
        emit ParamChanged("treasury", uint256(uint160(treasury)), uint256(uint160(value)));
        treasury = value;
    }

    function _setProtocolFeeBps(uint16 value) private {
        if (value > MAX_PROTOCOL_FEE_BPS) revert ValueOutOfRange("protocolFeeBps", value, MAX_PROTOCOL_FEE_BPS);
        emit ParamChanged("protocolFeeBps", protocolFeeBps, value);
        protocolFeeBps = value;
    }

    function _setMinProviderStake(uint128 value) private {
        if (value < MIN_PROVIDER_STAKE) revert ValueBelowMinimum("minProviderStake", value, MIN_PROVIDER_STAKE);
        emit ParamChanged("minProviderStake", minProviderStake, value);
        minProviderStake = value;
    }

    function _setUnbondingDelay(uint64 value) private {
        if (value > MAX_DELAY) revert ValueOutOfRange("unbondingDelay", value, MAX_DELAY);
        emit ParamChanged("unbondingDelay", unbondingDelay, value);
        unbondingDelay = value;
        if (value > longestUnbondingDelay) longestUnbondingDelay = value;
    }

    function _setWithdrawDelay(uint64 value) private {
        if (value < MIN_WITHDRAW_DELAY) revert ValueBelowMinimum("withdrawDelay", value, MIN_WITHDRAW_DELAY);
        if (value > MAX_DELAY) revert ValueOutOfRange("withdrawDelay", value, MAX_DELAY);
        emit ParamChanged("withdrawDelay", withdrawDelay, value);
        withdrawDelay = value;
    }

    function _setCommitteeSize(uint8 value) private {
        if (value < MIN_COMMITTEE) revert ValueBelowMinimum("committeeSize", value, MIN_COMMITTEE);
        if (value > MAX_COMMITTEE) revert ValueOutOfRange("committeeSize", value, MAX_COMMITTEE);
        if (value % 2 == 0) revert CommitteeSizeNotOdd(value); // a majority always exists
        emit ParamChanged("committeeSize", committeeSize, value);
        committeeSize = value;
    }

    function _setCommitWindow(uint64 value) private {
        if (value < MIN_WINDOW || value > MAX_WINDOW) revert ValueOutOfRange("commitWindow", value, MAX_WINDOW);
        emit ParamChanged("commitWindow", commitWindow, value);
        commitWindow = value;
    }

    function _setRevealWindow(uint64 value) private {
        if (value < MIN_WINDOW || value > MAX_WINDOW) revert ValueOutOfRange("revealWindow", value, MAX_WINDOW);
        emit ParamChanged("revealWindow", revealWindow, value);
        revealWindow = value;
    }

    function _setMaxDisputeBytes(uint32 value) private {
        if (value == 0 || value > MAX_DISPUTE_BYTES) {
            revert ValueOutOfRange("maxDisputeBytes", value, MAX_DISPUTE_BYTES);
        }
        emit ParamChanged("maxDisputeBytes", maxDisputeBytes, value);
        maxDisputeBytes = value;
    }

    function _setSlashBps(uint16 value) private {
        if (value < MIN_SLASH_BPS) revert ValueBelowMinimum("slashBps", value, MIN_SLASH_BPS);
        if (value > MAX_SLASH_BPS) revert ValueOutOfRange("slashBps", value, MAX_SLASH_BPS);
        emit ParamChanged("slashBps", slashBps, value);
        slashBps = value;
    }

    function _setRewardShares(uint16 challengerBps, uint16 voterBps) private {
        if (uint256(challengerBps) + voterBps > BPS) {
            revert ValueOutOfRange("challengerRewardBps+voterRewardBps", uint256(challengerBps) + voterBps, BPS);
        }
        emit ParamChanged("challengerRewardBps", challengerRewardBps, challengerBps);
        emit ParamChanged("voterRewardBps", voterRewardBps, voterBps);
        challengerRewardBps = challengerBps;
        voterRewardBps = voterBps;
    }

    function _setDisputeBond(uint128 value) private {
        if (value < MIN_DISPUTE_BOND) revert ValueBelowMinimum("disputeBond", value, MIN_DISPUTE_BOND);
        emit ParamChanged("disputeBond", disputeBond, value);
        disputeBond = value;
    }

    function _setNonRevealPenalty(uint128 value) private {
        emit ParamChanged("nonRevealPenalty", nonRevealPenalty, value);
        nonRevealPenalty = value;
    }

    function _setRequestTimeout(uint64 value) private {
        if (value < MIN_WINDOW || value > MAX_WINDOW) revert ValueOutOfRange("requestTimeout", value, MAX_WINDOW);
        emit ParamChanged("requestTimeout", requestTimeout, value);
        requestTimeout = value;
    }

    function _setMaxRequestBytes(uint32 value) private {
        if (value == 0 || value > MAX_DISPUTE_BYTES / 2) {
            revert ValueOutOfRange("maxRequestBytes", value, MAX_DISPUTE_BYTES / 2);
        }
        emit ParamChanged("maxRequestBytes", maxRequestBytes, value);
        maxRequestBytes = value;
    }

    function _setMaxOutputBytes(uint32 value) private {
        if (value == 0 || value > MAX_DISPUTE_BYTES / 2) {
            revert ValueOutOfRange("maxOutputBytes", value, MAX_DISPUTE_BYTES / 2);
        }
        emit ParamChanged("maxOutputBytes", maxOutputBytes, value);
        maxOutputBytes = value;
    }

    function _setChallengeWindow(uint64 value) private {
        if (value < MIN_WINDOW || value > MAX_WINDOW) revert ValueOutOfRange("challengeWindow", value, MAX_WINDOW);
        emit ParamChanged("challengeWindow", challengeWindow, value);
        challengeWindow = value;
    }

    function _setWithdrawWindow(uint64 value) private {
        if (value < MIN_WITHDRAW_WINDOW) revert ValueBelowMinimum("withdrawWindow", value, MIN_WITHDRAW_WINDOW);
        if (value > MAX_WITHDRAW_WINDOW) revert ValueOutOfRange("withdrawWindow", value, MAX_WITHDRAW_WINDOW);
        emit ParamChanged("withdrawWindow", withdrawWindow, value);
        withdrawWindow = value;
    }

    function _setTermsNotice(uint64 value) private {
        if (value < MIN_TERMS_NOTICE) revert ValueBelowMinimum("termsNotice", value, MIN_TERMS_NOTICE);
        if (value > MAX_DELAY) revert ValueOutOfRange("termsNotice", value, MAX_DELAY);
        emit ParamChanged("termsNotice", termsNotice, value);
        termsNotice = value;
    }

    /// @dev A provider must not be able to leave with its stake while a dispute about an answer it
    ///      gave can still be opened and decided.
    function _checkUnbondingCoversDisputes() private view {
        uint256 needed = uint256(challengeWindow) + commitWindow + revealWindow + DISPUTE_MARGIN;
        if (unbondingDelay < needed) revert ValueBelowMinimum("unbondingDelay", unbondingDelay, needed);
    }
}
