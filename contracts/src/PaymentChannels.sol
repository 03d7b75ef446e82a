// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ModelRegistry} from "./ModelRegistry.sol";
import {ProtocolParams} from "./ProtocolParams.sol";
import {UsageCounter} from "./UsageCounter.sol";

/// @title PaymentChannels
/// @notice Consumers deposit once and pay per call with signed, cumulative EIP-712 vouchers, one
///         lane per (consumer, provider, modelId). Providers redeem the newest voucher of a lane,
///         alone or many lanes in one `redeemBatch`, and are paid the difference to what the lane
///         already redeemed.
///
///         Money rules for one redemption with Δamount and Δcalls (base units, exact):
///           fee      = Δamount · protocolFeeBps / 10 000            (rounded down) → treasury
///           royalty  = (Δamount − fee) · royaltyBps / 10 000        (rounded down) → model owner
///           provider = Δamount − fee − royalty                                     → provider
///         The royalty is a share of what the consumer paid, never of the call count the
///         consumer signed: a consumer and provider in league cannot sign `calls = 0` to pay the
///         author nothing (issue 12, finding 8); the count only feeds the Counter NFT.
///         Shares accrue in `earningsOf` and are paid out by `claimEarnings`.
///
///         Vouchers that pay nothing: a voucher not newer than the lane (both cumulative values ≤
///         the lane's) pays nothing. `redeem` reverts with `StaleVoucher`; `redeemBatch` skips it,
///         so a retried batch is idempotent.
///
///         A voucher larger than what is left: when Δamount exceeds the consumer's remaining deposit
///         the redemption reverts with `InsufficientDeposit(consumer, needed, available)` and
///         nothing is paid — not even the part the deposit could cover, because a partial payment
///         would leave the lane in a state no signature ever authorised. In a batch this reverts the
///         whole batch; settlers check deposits first (eth_call) and leave such lanes out. Because
///         one deposit backs every lane of a consumer, each provider bounds what it holds
///         unredeemed for that consumer by the deposit it sees on-chain.
///
///         Withdrawals wait `withdrawDelay` seconds after `requestWithdrawal`; the deposit stays
///         redeemable meanwhile and `withdraw` pays at most what is left then. A matured request
///         may be executed for `withdrawWindow` seconds only; after that it lapses (`withdraw`
///         reverts with `WithdrawalLapsed`) and a new request starts the delay again. So a
///         consumer cannot keep a matured request in its pocket while it buys more: what a
///         provider may admit as credit is `spendableOf` (the deposit minus a request that has
///         not lapsed), and anything admitted against it is redeemable for at least
///         `withdrawDelay` seconds whatever the consumer does.
contract PaymentChannels is EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    bytes32 public constant VOUCHER_TYPEHASH = keccak256(
        "Voucher(address consumer,address provider,uint64 modelId,uint128 cumulativeAmount,uint64 cumulativeCalls)"
    );
    bytes32 public constant RECEIPT_TYPEHASH = keccak256(
        "Receipt(address consumer,address provider,uint64 modelId,bytes32 inputHash,bytes32 outputHash,"
        "uint128 cumulativeAmount,uint64 cumulativeCalls)"
    );
    uint256 public constant MAX_BATCH = 256;
    uint256 private constant BPS = 10_000;

    struct Voucher {
        address consumer;
        address provider;
        uint64 modelId;
        uint128 cumulativeAmount;
        uint64 cumulativeCalls;
    }

    /// @dev Signatures travel in EIP-2098 compact form (r, vs): two words instead of three.
    struct SignedVoucher {
        Voucher voucher;
        bytes32 r;
        bytes32 vs;
    }

    struct Receipt {
        address consumer;
        address provider;
        uint64 modelId;
        bytes32 inputHash;
        bytes32 outputHash;
        uint128 cumulativeAmount;
        uint64 cumulativeCalls;
    }

    /// @dev What a lane has redeemed so far: one storage slot.
    struct Lane {
        uint128 amount;
        uint64 calls;
    }

    struct Withdrawal {
        uint128 amount;
        uint64 readyAt;
        uint64 expiresAt;
    }

    /// @dev Running totals of one redemption call, flushed to storage when the provider, model or
    ///      consumer changes between consecutive vouchers (sort a batch to share them).
    struct Tally {
        uint256 feeBps;
        address treasury;
        uint256 treasuryAmount;
        address provider;
        uint256 providerAmount;
        uint64 modelId;
        address author;
        uint256 royaltyBps;
        uint256 authorAmount;
        address consumer;
        uint256 consumerCalls;
        uint256 consumerSpend;
        uint256 paid;
    }

    IERC20 public immutable token;
    ProtocolParams public immutable params;
    ModelRegistry public immutable models;
    UsageCounter public immutable counter;

    mapping(address consumer => uint256) public depositOf;
    mapping(address consumer => Withdrawal) public withdrawalOf;
    mapping(address account => uint256) public earningsOf;
    mapping(bytes32 laneKey => Lane) private _lanes;

    event Deposited(address indexed consumer, address indexed payer, uint256 amount, uint256 balance);
    event WithdrawalRequested(address indexed consumer, uint256 amount, uint64 readyAt, uint64 expiresAt);
    event WithdrawalCancelled(address indexed consumer);
    event Withdrawn(address indexed consumer, uint256 amount);
    event Redeemed(
        address indexed consumer,
        address indexed provider,
        uint64 indexed modelId,
        uint128 cumulativeAmount,
        uint64 cumulativeCalls,
        uint256 paid
    );
    event EarningsClaimed(address indexed account, uint256 amount);

    error ZeroAmount();
    error ZeroAddress(string field);
    error InsufficientDeposit(address consumer, uint256 needed, uint256 available);
    error NoPendingWithdrawal(address consumer);
    error WithdrawalNotReady(uint64 readyAt, uint256 now_);
    error WithdrawalLapsed(uint64 expiresAt, uint256 now_);
    error InvalidVoucherSignature(address consumer, address recovered);
    error StaleVoucher(uint128 laneAmount, uint64 laneCalls);
    error NonMonotonicVoucher(uint128 laneAmount, uint64 laneCalls);
    error UnknownModel(uint64 modelId);
    error EmptyBatch();
    error BatchTooLarge(uint256 size, uint256 max);
    error NothingToClaim(address account);

    constructor(IERC20 token_, ProtocolParams params_, ModelRegistry models_, UsageCounter counter_)
        EIP712("Verinfer", "1")
    {
        token = token_;
        params = params_;
        models = models_;
        counter = counter_;
    }

    // -------------------------------------------------------------------------------- deposits

    function deposit(uint256 amount) external {
        depositFor(msg.sender, amount);
    }

    /// @notice Deposits with an EIP-2612 permit instead of a prior `approve` (one transaction).
    function depositWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external {
        // A front-run permit leaves the allowance in place: carry on if it is already there.
        try IERC20Permit(address(token)).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
        depositFor(msg.sender, amount);
    }

    /// @notice Deposits `amount` of the caller's tokens into `consumer`'s balance and mints the
    ///         consumer's Counter NFT on its first deposit.
    function depositFor(address consumer, uint256 amount) public nonReentrant {
        if (amount == 0) revert ZeroAmount();
        if (consumer == address(0)) revert ZeroAddress("consumer");
        uint256 balance = depositOf[consumer] + amount;
        depositOf[consumer] = balance;
        emit Deposited(consumer, msg.sender, amount, balance);
        counter.mintIfAbsent(consumer);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Asks to withdraw `amount`; `withdraw` pays it after `withdrawDelay` seconds and
    ///         until `withdrawWindow` seconds after that. A new request replaces the previous one
    ///         and restarts the clock.
    function requestWithdrawal(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 balance = depositOf[msg.sender];
        if (amount > balance) revert InsufficientDeposit(msg.sender, amount, balance);
        (uint64 delay, uint64 window) = params.withdrawalTimes();
        uint64 readyAt = uint64(block.timestamp) + delay;
        uint64 expiresAt = readyAt + window;
        withdrawalOf[msg.sender] = Withdrawal(uint128(amount), readyAt, expiresAt);
        emit WithdrawalRequested(msg.sender, amount, readyAt, expiresAt);
    }

    function cancelWithdrawal() external {
        if (withdrawalOf[msg.sender].amount == 0) revert NoPendingWithdrawal(msg.sender);
        delete withdrawalOf[msg.sender];
        emit WithdrawalCancelled(msg.sender);
    }

    /// @notice Pays the matured withdrawal: the requested amount, or what is left if redemptions
    ///         took part of it meanwhile.
    function withdraw() external nonReentrant returns (uint256 amount) {
        Withdrawal memory w = withdrawalOf[msg.sender];
        if (w.amount == 0) revert NoPendingWithdrawal(msg.sender);
        if (block.timestamp < w.readyAt) revert WithdrawalNotReady(w.readyAt, block.timestamp);
        if (block.timestamp > w.expiresAt) revert WithdrawalLapsed(w.expiresAt, block.timestamp);
        uint256 balance = depositOf[msg.sender];
        amount = w.amount < balance ? w.amount : balance;
        delete withdrawalOf[msg.sender];
        depositOf[msg.sender] = balance - amount;
        emit Withdrawn(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    // ----------------------------------------------------------------------------- redemption

    /// @notice Redeems one voucher; reverts if it pays nothing.
    function redeem(Voucher calldata voucher, bytes32 r, bytes32 vs) external nonReentrant returns (uint256) {
        Tally memory t = _newTally();
        _settle(t, voucher, r, vs, true);
        _flush(t);
        return t.paid;
    }

    /// @notice Redeems many lanes in one transaction. Stale vouchers are skipped; any other bad
    ///         voucher reverts the whole batch. Sorting by provider, model and consumer lets
    ///         consecutive vouchers share storage writes.
    function redeemBatch(SignedVoucher[] calldata items) external nonReentrant returns (uint256) {
        uint256 n = items.length;
        if (n == 0) revert EmptyBatch();
        if (n > MAX_BATCH) revert BatchTooLarge(n, MAX_BATCH);
        Tally memory t = _newTally();
        for (uint256 i = 0; i < n; ++i) {
            SignedVoucher calldata item = items[i];
            _settle(t, item.voucher, item.r, item.vs, false);
        }
        _flush(t);
        return t.paid;
    }

    /// @notice Pays out the caller's accrued provider, royalty or treasury earnings.
    function claimEarnings() external nonReentrant returns (uint256 amount) {
        amount = earningsOf[msg.sender];
        if (amount == 0) revert NothingToClaim(msg.sender);
        earningsOf[msg.sender] = 0;
        emit EarningsClaimed(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------------------------- views

    /// @notice What a provider may admit as credit for `consumer`: the deposit minus a pending
    ///         withdrawal that has not lapsed (waiting or executable). The deposit is shared by
    ///         all of the consumer's lanes, so a provider bounds what it holds unredeemed by this.
    function spendableOf(address consumer) external view returns (uint256) {
        uint256 balance = depositOf[consumer];
        Withdrawal memory w = withdrawalOf[consumer];
        if (w.amount == 0 || block.timestamp > w.expiresAt) return balance;
        return w.amount < balance ? balance - w.amount : 0;
    }

    function laneOf(address consumer, address provider, uint64 modelId)
        external
        view
        returns (uint128 amount, uint64 calls)
    {
        Lane memory lane = _lanes[_laneKey(consumer, provider, modelId)];
        return (lane.amount, lane.calls);
    }

    function voucherDigest(Voucher calldata v) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(VOUCHER_TYPEHASH, v.consumer, v.provider, v.modelId, v.cumulativeAmount, v.cumulativeCalls)
            )
        );
    }

    function receiptDigest(Receipt calldata rc) external view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    RECEIPT_TYPEHASH,
                    rc.consumer,
                    rc.provider,
                    rc.modelId,
                    rc.inputHash,
                    rc.outputHash,
                    rc.cumulativeAmount,
                    rc.cumulativeCalls
                )
            )
        );
    }

    /// @notice The signer a redemption would accept for this voucher, or address(0) if the
    ///         signature is malformed (high s, bad v, r or s out of range).
    function recoverVoucherSigner(Voucher calldata v, bytes32 r, bytes32 vs) external view returns (address) {
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(voucherDigest(v), r, vs);
        return err == ECDSA.RecoverError.NoError ? signer : address(0);
    }

    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ------------------------------------------------------------------------------- internal

    function _newTally() private view returns (Tally memory t) {
        (uint16 feeBps, address treasury) = params.feeConfig();
        t.feeBps = feeBps;
        t.treasury = treasury;
    }

    function _settle(Tally memory t, Voucher calldata v, bytes32 r, bytes32 vs, bool strict) private {
        address consumer = v.consumer;
        if (v.provider == address(0)) revert ZeroAddress("provider");
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(voucherDigest(v), r, vs);
        if (err != ECDSA.RecoverError.NoError || signer != consumer) {
            revert InvalidVoucherSignature(consumer, signer);
        }

        bytes32 key = _laneKey(consumer, v.provider, v.modelId);
        Lane memory lane = _lanes[key];
        uint128 newAmount = v.cumulativeAmount;
        uint64 newCalls = v.cumulativeCalls;
        if (newAmount <= lane.amount && newCalls <= lane.calls) {
            if (strict) revert StaleVoucher(lane.amount, lane.calls);
            return;
        }
        if (newAmount < lane.amount || newCalls < lane.calls) revert NonMonotonicVoucher(lane.amount, lane.calls);
        uint256 dAmount = newAmount - lane.amount;
        uint256 dCalls = newCalls - lane.calls;

        uint256 balance = depositOf[consumer];
        if (dAmount > balance) revert InsufficientDeposit(consumer, dAmount, balance);
        depositOf[consumer] = balance - dAmount;
        _lanes[key] = Lane(newAmount, newCalls);

        if (v.modelId != t.modelId || t.author == address(0)) _switchModel(t, v.modelId);
        uint256 fee = (dAmount * t.feeBps) / BPS;
        uint256 afterFee = dAmount - fee;
        uint256 royalty = (afterFee * t.royaltyBps) / BPS;
        t.treasuryAmount += fee;
        t.authorAmount += royalty;

        if (v.provider != t.provider) {
            _credit(t.provider, t.providerAmount);
            t.provider = v.provider;
            t.providerAmount = 0;
        }
        t.providerAmount += afterFee - royalty;

        if (consumer != t.consumer) {
            _recordUsage(t);
            t.consumer = consumer;
        }
        t.consumerCalls += dCalls;
        t.consumerSpend += dAmount;
        t.paid += dAmount;
        emit Redeemed(consumer, v.provider, v.modelId, newAmount, newCalls, dAmount);
    }

    function _switchModel(Tally memory t, uint64 modelId) private {
        _credit(t.author, t.authorAmount);
        t.authorAmount = 0;
        if (modelId == 0) revert UnknownModel(modelId);
        (t.author, t.royaltyBps) = models.royaltyInfo(modelId);
        t.modelId = modelId;
    }

    function _recordUsage(Tally memory t) private {
        if (t.consumer != address(0) && (t.consumerCalls != 0 || t.consumerSpend != 0)) {
            counter.record(t.consumer, t.consumerCalls, t.consumerSpend);
        }
        t.consumerCalls = 0;
        t.consumerSpend = 0;
    }

    function _flush(Tally memory t) private {
        _credit(t.provider, t.providerAmount);
        _credit(t.author, t.authorAmount);
        _credit(t.treasury, t.treasuryAmount);
        _recordUsage(t);
    }

    function _credit(address account, uint256 amount) private {
        if (amount != 0) earningsOf[account] += amount;
    }

    function _laneKey(address consumer, address provider, uint64 modelId) private pure returns (bytes32) {
        return keccak256(abi.encodePacked(consumer, provider, modelId));
    }
}
