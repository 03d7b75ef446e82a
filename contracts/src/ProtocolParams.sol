// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";

/// @title ProtocolParams
/// @notice Every number the protocol uses, in one place. Owned by an admin at first and by the
///         governance timelock later (ownership moves with `transferOwnership` + `acceptOwnership`).
///         Each setter checks a hard bound so that even governance cannot set a value that breaks
///         the money rules (for example a fee above 100%).
contract ProtocolParams is Ownable2Step {
    /// @notice Upper bound on the protocol fee: 20% of every redeemed amount.
    uint16 public constant MAX_PROTOCOL_FEE_BPS = 2_000;
    /// @notice Upper bound on every delay: 90 days.
    uint64 public constant MAX_DELAY = 90 days;

    // slot 0 (Ownable) ; slot 1 (Ownable2Step pending owner)
    // slot 2: read together by every redeemBatch
    address public treasury;
    uint16 public protocolFeeBps;
    // slot 3
    uint64 public unbondingDelay;
    uint64 public withdrawDelay;
    uint128 public minProviderStake;

    event ParamChanged(bytes32 indexed name, uint256 oldValue, uint256 newValue);

    error ZeroAddress(string field);
    error ValueOutOfRange(string field, uint256 value, uint256 max);

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
    }

    /// @notice The two values a redemption needs, in one call (one storage slot).
    function feeConfig() external view returns (uint16 feeBps, address treasuryAddress) {
        return (protocolFeeBps, treasury);
    }

    function setTreasury(address value) external onlyOwner {
        _setTreasury(value);
    }

    function setProtocolFeeBps(uint16 value) external onlyOwner {
        _setProtocolFeeBps(value);
    }

    function setMinProviderStake(uint128 value) external onlyOwner {
        _setMinProviderStake(value);
    }

    function setUnbondingDelay(uint64 value) external onlyOwner {
        _setUnbondingDelay(value);
    }

    function setWithdrawDelay(uint64 value) external onlyOwner {
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
        emit ParamChanged("minProviderStake", minProviderStake, value);
        minProviderStake = value;
    }

    function _setUnbondingDelay(uint64 value) private {
        if (value > MAX_DELAY) revert ValueOutOfRange("unbondingDelay", value, MAX_DELAY);
        emit ParamChanged("unbondingDelay", unbondingDelay, value);
        unbondingDelay = value;
    }

    function _setWithdrawDelay(uint64 value) private {
        if (value > MAX_DELAY) revert ValueOutOfRange("withdrawDelay", value, MAX_DELAY);
        emit ParamChanged("withdrawDelay", withdrawDelay, value);
        withdrawDelay = value;
    }
}
