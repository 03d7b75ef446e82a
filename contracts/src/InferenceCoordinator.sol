// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ModelRegistry} from "./ModelRegistry.sol";
import {ProtocolParams} from "./ProtocolParams.sol";
import {ProviderRegistry} from "./ProviderRegistry.sol";
import {IInferenceConsumer} from "./IInferenceConsumer.sol";

/// @title InferenceCoordinator
/// @notice Smart contracts request an inference with one call and receive the output in a
///         callback (`IInferenceConsumer.onInferenceResult`).
///
///         Money. A requester (usually a contract) keeps a deposit here. A request reserves its
///         `maxFee` from that deposit; the assigned provider's price (at most `maxFee`) is paid
///         when it fulfils, split like a voucher redemption — `protocolFeeBps` of it to the
///         treasury, the model's royalty (capped by what is left) to its author, the rest to the
///         provider — and the difference goes back to the deposit. Shares accrue in `earningsOf`.
///
///         Assignment. At request time one eligible provider of the model whose price is within
///         `maxFee` is picked, starting at a pseudo-random index (request id and `prevrandao`) and
///         walking the model's provider list, at most `MAX_PROBES` entries. It has
///         `requestTimeout` seconds to fulfil. After that anyone may `reassign` to the next
///         eligible provider (at most `MAX_ASSIGNMENTS` providers per request), and the requester
///         may `cancel` for a full refund of the reserved fee.
///
///         Storage. A request is one slot: the hash of its `Ticket`. Whoever acts on a request
///         passes the ticket back (it is in the `InferenceRequested` / `Reassigned` events) and the
///         contract checks it against the hash, so a request costs one new slot, not six.
///
///         Callback. `fulfil` must carry enough gas for the requester's `callbackGasLimit` (a
///         provider cannot make a callback fail by starving it); the callback runs with exactly
///         that limit, and whatever it does — even revert — the fulfilment stands, the provider
///         is paid and `InferenceFulfilled` says whether the callback succeeded.
///
///         Modes. `MODE_NONE`: the callback comes in the fulfilling transaction. Other modes
///         (optimistic, with a challenge window before the callback) are refused for now.
contract InferenceCoordinator is ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint8 public constant MODE_NONE = 0;
    uint32 public constant MIN_CALLBACK_GAS = 5_000;
    uint32 public constant MAX_CALLBACK_GAS = 2_500_000;
    uint256 public constant MAX_PROBES = 16;
    uint8 public constant MAX_ASSIGNMENTS = 3;
    uint256 private constant BPS = 10_000;
    /// @dev Gas `fulfil` keeps for itself after the callback (events, bookkeeping).
    uint256 private constant CALLBACK_RESERVE = 20_000;

    /// @notice Everything about one pending request; only its hash is stored.
    struct Ticket {
        address requester;
        uint64 modelId;
        uint32 callbackGasLimit;
        uint8 mode;
        uint8 assignments;
        address provider;
        uint96 fee;
        uint96 maxFee;
        uint40 deadline;
        bytes32 inputHash;
    }

    IERC20 public immutable token;
    ProtocolParams public immutable params;
    ModelRegistry public immutable models;
    ProviderRegistry public immutable providers;

    uint256 public requestCount;
    mapping(uint256 id => bytes32) public ticketHashOf;
    mapping(address requester => uint256) public depositOf;
    mapping(address account => uint256) public earningsOf;

    event Deposited(address indexed requester, address indexed payer, uint256 amount, uint256 balance);
    event Withdrawn(address indexed requester, uint256 amount);
    event InferenceRequested(uint256 indexed id, address indexed provider, uint64 indexed modelId, Ticket ticket, bytes input);
    event Reassigned(uint256 indexed id, address indexed provider, uint64 indexed modelId, Ticket ticket, bytes input);
    event InferenceFulfilled(uint256 indexed id, address indexed provider, bytes32 outputHash, bool callbackSucceeded);
    event RequestCancelled(uint256 indexed id, uint256 refund);
    event EarningsClaimed(address indexed account, uint256 amount);

    error ZeroAmount();
    error AmountTooLarge(uint256 amount);
    error InsufficientDeposit(address requester, uint256 needed, uint256 available);
    error UnknownOrDeprecatedModel(uint64 modelId);
    error InputTooLarge(uint256 size, uint256 max);
    error EmptyInput();
    error CallbackGasTooLow(uint32 given, uint32 min);
    error CallbackGasTooHigh(uint32 given, uint32 max);
    error UnsupportedMode(uint8 mode);
    error NoProviderAtFee(uint64 modelId, uint96 maxFee);
    error RequestNotPending(uint256 id);
    error NotAssignedProvider(address caller, address provider);
    error RequestExpired(uint256 id, uint40 deadline);
    error NotExpired(uint256 id, uint40 deadline);
    error TooManyAssignments(uint256 id);
    error NotRequester(address caller, address requester);
    error InsufficientGasForCallback(uint256 left, uint256 needed);
    error NothingToClaim();
    error InputMismatch(uint256 id);

    constructor(IERC20 token_, ProtocolParams params_, ModelRegistry models_, ProviderRegistry providers_) {
        token = token_;
        params = params_;
        models = models_;
        providers = providers_;
    }

    // ------------------------------------------------------------------------------- deposits

    function deposit(uint256 amount) external {
        depositFor(msg.sender, amount);
    }

    /// @notice Adds to `requester`'s deposit from the caller's tokens (allowance needed).
    function depositFor(address requester, uint256 amount) public nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 balance = depositOf[requester] + amount;
        depositOf[requester] = balance;
        emit Deposited(requester, msg.sender, amount, balance);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Takes back unreserved deposit at once (pending requests hold their own reserve).
    function withdraw(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 available = depositOf[msg.sender];
        if (amount > available) revert InsufficientDeposit(msg.sender, amount, available);
        depositOf[msg.sender] = available - amount;
        emit Withdrawn(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    // -------------------------------------------------------------------------------- request

    /// @notice Requests `modelId` on `input` (Verinfer's canonical tensor bytes), reserving
    ///         `maxFee` from the caller's deposit; the output comes to the caller's
    ///         `onInferenceResult` with `callbackGasLimit` gas.
    function requestInference(
        uint64 modelId,
        bytes calldata input,
        uint8 mode,
        uint96 maxFee,
        uint32 callbackGasLimit
    ) external returns (uint256 id) {
        // no reentrancy lock: a callback may chain the next request; this makes no external call
        // but views, and writes before it emits
        if (!models.isActive(modelId)) revert UnknownOrDeprecatedModel(modelId);
        (uint64 timeout, uint32 maxBytes) = params.requestConfig();
        if (input.length == 0) revert EmptyInput();
        if (input.length > maxBytes) revert InputTooLarge(input.length, maxBytes);
        if (callbackGasLimit < MIN_CALLBACK_GAS) revert CallbackGasTooLow(callbackGasLimit, MIN_CALLBACK_GAS);
        if (callbackGasLimit > MAX_CALLBACK_GAS) revert CallbackGasTooHigh(callbackGasLimit, MAX_CALLBACK_GAS);
        if (mode != MODE_NONE) revert UnsupportedMode(mode);
        uint256 available = depositOf[msg.sender];
        if (maxFee > available) revert InsufficientDeposit(msg.sender, maxFee, available);

        id = ++requestCount;
        (address provider, uint96 price) = _assign(modelId, maxFee, uint256(keccak256(abi.encode(id, block.prevrandao))), address(0));
        depositOf[msg.sender] = available - maxFee;
        Ticket memory t = Ticket({
            requester: msg.sender,
            modelId: modelId,
            callbackGasLimit: callbackGasLimit,
            mode: mode,
            assignments: 1,
            provider: provider,
            fee: price,
            maxFee: maxFee,
            deadline: uint40(block.timestamp + timeout),
            inputHash: keccak256(input)
        });
        ticketHashOf[id] = keccak256(abi.encode(t));
        emit InferenceRequested(id, provider, modelId, t, input);
    }

    // --------------------------------------------------------------------------------- fulfil

    /// @notice The assigned provider delivers `output` for request `id` (ticket from the events).
    function fulfil(uint256 id, Ticket calldata t, bytes calldata output) external nonReentrant {
        _requirePending(id, t);
        if (msg.sender != t.provider) revert NotAssignedProvider(msg.sender, t.provider);
        if (block.timestamp > t.deadline) revert RequestExpired(id, t.deadline);
        delete ticketHashOf[id];

        _pay(t);
        // the callback gets exactly its limit; refuse when the caller sent too little for that
        uint256 needed = uint256(t.callbackGasLimit) * 64 / 63 + CALLBACK_RESERVE;
        if (gasleft() < needed) revert InsufficientGasForCallback(gasleft(), needed);
        // a low-level call on purpose: a reverting callback must not undo the provider's work
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok,) = t.requester.call{gas: t.callbackGasLimit}(
            abi.encodeCall(IInferenceConsumer.onInferenceResult, (id, output))
        );
        emit InferenceFulfilled(id, msg.sender, keccak256(output), ok);
    }

    // ------------------------------------------------------------------- reassign and cancel

    /// @notice After the deadline, anyone may hand the request to the next eligible provider
    ///         (same reserved fee, a new deadline); `input` must be the request's input.
    function reassign(uint256 id, Ticket calldata t, bytes calldata input) external nonReentrant {
        _requirePending(id, t);
        if (block.timestamp <= t.deadline) revert NotExpired(id, t.deadline);
        if (t.assignments >= MAX_ASSIGNMENTS) revert TooManyAssignments(id);
        if (keccak256(input) != t.inputHash) revert InputMismatch(id);
        (uint64 timeout,) = params.requestConfig();
        (address provider, uint96 price) =
            _assign(t.modelId, t.maxFee, uint256(keccak256(abi.encode(id, t.assignments, block.prevrandao))), t.provider);
        Ticket memory next = t;
        next.assignments = t.assignments + 1;
        next.provider = provider;
        next.fee = price;
        next.deadline = uint40(block.timestamp + timeout);
        ticketHashOf[id] = keccak256(abi.encode(next));
        emit Reassigned(id, provider, t.modelId, next, input);
    }

    /// @notice After the deadline the requester takes its reserved fee back; the request ends.
    function cancel(uint256 id, Ticket calldata t) external nonReentrant {
        _requirePending(id, t);
        if (msg.sender != t.requester) revert NotRequester(msg.sender, t.requester);
        if (block.timestamp <= t.deadline) revert NotExpired(id, t.deadline);
        delete ticketHashOf[id];
        depositOf[t.requester] += t.maxFee;
        emit RequestCancelled(id, t.maxFee);
    }

    function claimEarnings() external nonReentrant returns (uint256 amount) {
        amount = earningsOf[msg.sender];
        if (amount == 0) revert NothingToClaim();
        earningsOf[msg.sender] = 0;
        emit EarningsClaimed(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /// @notice Whether request `id` is still waiting for its provider.
    function isPending(uint256 id) external view returns (bool) {
        return ticketHashOf[id] != bytes32(0);
    }

    // ------------------------------------------------------------------------------ internal

    function _requirePending(uint256 id, Ticket calldata t) private view {
        bytes32 stored = ticketHashOf[id];
        if (stored == bytes32(0) || stored != keccak256(abi.encode(t))) revert RequestNotPending(id);
    }

    /// @dev An eligible provider of `modelId` priced within `maxFee`, other than `skip`, found by
    ///      walking the model's provider list from a pseudo-random start (at most MAX_PROBES).
    function _assign(uint64 modelId, uint96 maxFee, uint256 seed, address skip)
        private
        view
        returns (address provider, uint96 price)
    {
        address[] memory list = providers.providersOf(modelId);
        uint256 n = list.length;
        uint256 probes = n < MAX_PROBES ? n : MAX_PROBES;
        uint256 start = n == 0 ? 0 : seed % n;
        for (uint256 i = 0; i < probes; i++) {
            address p = list[(start + i) % n];
            if (p == skip || !providers.isEligible(p, modelId)) continue;
            uint256 quoted = providers.priceOf(p, modelId);
            if (quoted <= maxFee) return (p, uint96(quoted));
        }
        revert NoProviderAtFee(modelId, maxFee);
    }

    /// @dev The provider's price from the reserve: fee, royalty, provider; the rest back.
    function _pay(Ticket calldata t) private {
        (uint16 feeBps, address treasury) = params.feeConfig();
        uint256 price = t.fee;
        uint256 protocolFee = price * feeBps / BPS;
        (address author, uint256 royaltyPerCall) = models.royaltyInfo(t.modelId);
        uint256 rest = price - protocolFee;
        uint256 royalty = royaltyPerCall < rest ? royaltyPerCall : rest;
        if (protocolFee != 0) earningsOf[treasury] += protocolFee;
        if (royalty != 0) earningsOf[author] += royalty;
        earningsOf[t.provider] += rest - royalty;
        if (t.maxFee > price) depositOf[t.requester] += t.maxFee - price;
    }
}
