// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {CoordinatorRecords} from "./CoordinatorRecords.sol";
import {DisputeManager} from "./DisputeManager.sol";
import {DisputeRecords} from "./DisputeRecords.sol";
import {ModelRegistry} from "./ModelRegistry.sol";
import {IParamsListener, ProtocolParams} from "./ProtocolParams.sol";
import {ProviderRegistry} from "./ProviderRegistry.sol";
import {IInferenceConsumer} from "./IInferenceConsumer.sol";

/// @title InferenceCoordinator
/// @notice Smart contracts request an inference with one call and receive the output in a
///         callback (`IInferenceConsumer.onInferenceResult`).
///
///         Money. A requester (usually a contract) keeps a deposit here. A request reserves the
///         assigned provider's price (at most the request's `maxFee`) from that deposit. When the
///         answer is delivered the price is split like a voucher redemption: `protocolFeeBps` of
///         it for the treasury, the model's royalty share (`royaltyBps` of what is left) for its author, the
///         rest for the provider — the split is fixed when the provider is assigned. The
///         provider's share accrues in `earningsOf`; royalty and protocol fee accrue per model
///         in `sharesOf` until anyone calls `sweepShares` (one storage write per answer instead
///         of three). A request that ends unanswered or whose answer is rejected gives the
///         reserve back to the deposit.
///
///         Assignment. At request time `ProviderRegistry.pick` chooses one eligible provider of
///         the model priced within `maxFee`, drawn stake-weighted from the model's sortition tree
///         with a pseudo-random seed (request id and `prevrandao`), at most `MAX_PROBES` draws of
///         O(log n) each, so listings without stake cost nothing and are never chosen, and a
///         provider whose standing `ProviderRegistry.refreshStandings` recorded below
///         `ProviderReputation`'s floor (reported down, failing canaries, slashed too often) never
///         fits; a drawn provider is kept with probability score/10⁴ (reputation- and
///         stake-weighted). It
///         has `requestTimeout` seconds to answer. After that anyone may `reassign` to another
///         eligible provider (at most `MAX_ASSIGNMENTS` providers per request; the reserve
///         follows the new price), and the requester may `cancel` for a full refund.
///
///         Storage. A request is one slot: the hash of its `Ticket`. Whoever acts on a request
///         passes the ticket back (it is in the `InferenceRequested` / `Reassigned` /
///         `InferenceProposed` events) and the contract checks it against the hash. A delivered
///         none-mode answer keeps the slot: the hash of (ticket hash, output hash, dispute
///         deadline) with the top bit set, so `isPending` tells it from an open request and the
///         delivery costs no new slot.
///
///         Modes. `MODE_NONE`: `fulfil` pays the provider and calls back in one transaction, and
///         the answer stays disputable for `challengeWindow` after delivery: anyone holding the
///         input (`InferenceRequested`) and the output (`InferenceDelivered`, with the deadline)
///         may `disputeDelivered`, which opens the same `DisputeManager` dispute as `challenge`
///         (the fulfilling transaction stands for the provider's signature). A guilty verdict
///         slashes the provider's stake there (the challenger and the majority voters share the
///         slash as for any dispute); the fee stays paid and the callback is not undone, so
///         nothing is refunded to the requester — a requester that needs its answer checked before
///         it acts, or its fee back for a wrong answer, asks in `MODE_OPTIMISTIC`. One dispute per
///         delivered answer; a cleared one forfeits the challenger's bond as any cleared dispute.
///         `MODE_OPTIMISTIC`: `fulfil` only proposes the answer (its hash goes into the ticket)
///         and opens a `challengeWindow`; within it anyone may `challenge` with the input and
///         the proposed output, which opens a `DisputeManager` dispute (the challenger's bond,
///         a staked committee re-executes, a guilty provider is slashed). `settle` then
///         delivers: unchallenged after the window, or challenged and cleared by the committee
///         (or judged by none: `NoCommittee`), the provider is paid and the callback runs;
///         challenged and found guilty (or with no majority) the answer is rejected, the reserve
///         goes back to the deposit and the callback never runs. So a consumer never receives
///         two answers, nor one that lost. Optimistic requests need more than `MIN_CANDIDATES`
///         eligible providers of the model (`CommitteeCannotForm`).
///
///         Callback. The delivering call must carry enough gas for the requester's
///         `callbackGasLimit` (a provider cannot make a callback fail by starving it); the
///         callback runs with exactly that limit, and whatever it does — even revert — the
///         delivery stands, and `InferenceFulfilled` says whether the callback succeeded. A
///         callback may make the next request (chained requests): `requestInference` takes no
///         reentrancy lock.
///
///         Parameters. The four numbers a request uses (timeout, input size limit, challenge
///         window, protocol fee) are copied from `ProtocolParams` into the slot that holds the
///         request counter, so a request reads one slot instead of calling out; `ProtocolParams`
///         calls `paramsChanged` on every change (the deployer registers this contract as its
///         listener), and anyone may call it.
contract InferenceCoordinator is CoordinatorRecords, IParamsListener, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint256 private constant BPS = 10_000;
    /// @dev Gas a delivery keeps for itself after the callback (event, bookkeeping).
    uint256 private constant CALLBACK_RESERVE = 20_000;

    IERC20 public immutable token;
    ProtocolParams public immutable params;
    ModelRegistry public immutable models;
    ProviderRegistry public immutable providers;
    DisputeManager public immutable disputes;

    constructor(
        IERC20 token_,
        ProtocolParams params_,
        ModelRegistry models_,
        ProviderRegistry providers_,
        DisputeManager disputes_
    ) {
        token = token_;
        params = params_;
        models = models_;
        providers = providers_;
        disputes = disputes_;
        paramsChanged();
    }

    /// @notice Re-reads the protocol numbers requests use (ProtocolParams calls this on every
    ///         change; anyone may).
    function paramsChanged() public {
        (uint64 timeout, uint32 maxBytes, uint64 window, uint16 feeBps) = params.requestConfig();
        Config storage c = _config;
        c.requestTimeout = uint40(timeout); // ProtocolParams bounds both by 30 days
        c.maxRequestBytes = maxBytes;
        c.challengeWindow = uint40(window);
        c.protocolFeeBps = feeBps;
        c.maxOutputBytes = params.maxOutputBytes();
        emit ConfigSynced(timeout, maxBytes, window, feeBps);
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

    /// @notice Takes back unreserved deposit at once (open requests hold their own reserve).
    function withdraw(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 available = depositOf[msg.sender];
        if (amount > available) revert InsufficientDeposit(msg.sender, amount, available);
        depositOf[msg.sender] = available - amount;
        emit Withdrawn(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    // -------------------------------------------------------------------------------- request

    /// @notice Requests `modelId` on `input` (Verinfer's canonical tensor bytes) for at most
    ///         `maxFee`, reserving the assigned provider's price from the caller's deposit; the
    ///         output comes to the caller's `onInferenceResult` with `callbackGasLimit` gas.
    function requestInference(
        uint64 modelId,
        bytes calldata input,
        uint8 mode,
        uint96 maxFee,
        uint32 callbackGasLimit
    ) external returns (uint256 id) {
        // no reentrancy lock: a callback may chain the next request; this makes no external call
        // but views, and writes before it emits
        (bool active, uint256 royaltyBps) = models.requestTerms(modelId);
        if (!active) revert UnknownOrDeprecatedModel(modelId);
        Config memory c = _config;
        if (input.length == 0) revert EmptyInput();
        if (input.length > c.maxRequestBytes) revert InputTooLarge(input.length, c.maxRequestBytes);
        if (callbackGasLimit < MIN_CALLBACK_GAS) revert CallbackGasTooLow(callbackGasLimit, MIN_CALLBACK_GAS);
        if (callbackGasLimit > MAX_CALLBACK_GAS) revert CallbackGasTooHigh(callbackGasLimit, MAX_CALLBACK_GAS);
        if (mode > MODE_OPTIMISTIC) revert UnsupportedMode(mode);
        if (mode == MODE_OPTIMISTIC) {
            // a challenge must be judgeable: the accused plus the fewest candidates a committee
            // is drawn from (a challenger that is itself a provider takes one more away)
            uint256 eligible = providers.liveEligible(modelId);
            if (eligible <= disputes.MIN_CANDIDATES()) revert CommitteeCannotForm(modelId, eligible);
        }

        id = c.requestCount + 1;
        _config.requestCount = uint64(id);
        Ticket memory t;
        t.requester = msg.sender;
        t.modelId = modelId;
        t.callbackGasLimit = callbackGasLimit;
        t.mode = mode;
        t.maxFee = maxFee;
        t.inputHash = keccak256(input);
        _assign(t, uint256(keccak256(abi.encode(id, block.prevrandao))), address(0), c, 0, royaltyBps);
        ticketHashOf[id] = ticketHash(t);
        emit InferenceRequested(id, t.provider, t, input);
    }

    // --------------------------------------------------------------------------------- answer

    /// @notice The assigned provider answers request `id` (ticket from the events): delivered at
    ///         once in `MODE_NONE` (and disputable for the challenge window after), proposed for
    ///         the challenge window in `MODE_OPTIMISTIC`.
    function fulfil(uint256 id, Ticket calldata t, bytes calldata output) external nonReentrant {
        bytes32 openHash = _requirePending(id, t);
        if (msg.sender != t.provider) revert NotAssignedProvider(msg.sender, t.provider);
        if (t.outputHash != bytes32(0)) revert AlreadyAnswered(id);
        if (block.timestamp > t.deadline) revert RequestExpired(id, t.deadline);
        // every accepted answer must fit in a dispute: a padded output was unchallengeable
        uint256 maxOutput = _config.maxOutputBytes;
        if (output.length > maxOutput) revert OutputTooLarge(output.length, maxOutput);
        bytes32 outputHash = keccak256(output);
        uint40 windowEnd = uint40(block.timestamp + _config.challengeWindow);
        if (t.mode == MODE_OPTIMISTIC) {
            Ticket memory proposed = t;
            proposed.outputHash = outputHash;
            proposed.deadline = windowEnd;
            ticketHashOf[id] = ticketHash(proposed);
            emit InferenceProposed(id, msg.sender, proposed, output);
            return;
        }
        // kept, not deleted: a signed wrong answer must stay slashable after its callback ran
        ticketHashOf[id] = deliveredHash(openHash, outputHash, windowEnd);
        emit InferenceDelivered(id, windowEnd, output);
        _pay(t);
        _deliver(id, t, output, outputHash);
    }

    /// @notice Disputes request `id`'s proposed answer within its challenge window: opens a
    ///         DisputeManager dispute (the caller's bond: approve the DisputeManager first).
    function challenge(uint256 id, Ticket calldata t, bytes calldata input, bytes calldata output)
        external
        nonReentrant
        returns (uint256 disputeId)
    {
        _requireProposed(id, t, output);
        if (block.timestamp > t.deadline) revert ChallengeWindowClosed(id, t.deadline);
        if (disputeOf[id] != 0) revert AlreadyChallenged(id, disputeOf[id]);
        if (keccak256(input) != t.inputHash) revert InputMismatch(id);
        disputeId = disputes.openFulfilmentDispute(msg.sender, t.provider, t.modelId, input, output);
        disputeOf[id] = disputeId;
        emit Challenged(id, disputeId, msg.sender);
    }

    /// @notice Disputes request `id`'s delivered none-mode answer until `disputeUntil` (it and
    ///         `output` from `InferenceDelivered`; `t` is the ticket the answer was delivered on,
    ///         from the request's latest `InferenceRequested` / `Reassigned`): opens a
    ///         DisputeManager dispute as `challenge` does (the caller's bond: approve the
    ///         DisputeManager first). A guilty verdict slashes the provider there; the requester
    ///         gets nothing back (the fee was paid and the callback ran, see "Modes").
    function disputeDelivered(
        uint256 id,
        Ticket calldata t,
        uint40 disputeUntil,
        bytes calldata input,
        bytes calldata output
    ) external nonReentrant returns (uint256 disputeId) {
        uint256 earlier = disputeOf[id];
        if (earlier != 0) revert AlreadyChallenged(id, earlier);
        bytes32 openHash = keccak256(abi.encode(t)) & ~DELIVERED;
        if (ticketHashOf[id] != deliveredHash(openHash, keccak256(output), disputeUntil)) revert NotDelivered(id);
        if (block.timestamp > disputeUntil) revert ChallengeWindowClosed(id, disputeUntil);
        if (keccak256(input) != t.inputHash) revert InputMismatch(id);
        disputeId = disputes.openFulfilmentDispute(msg.sender, t.provider, t.modelId, input, output);
        disputeOf[id] = disputeId;
        emit DeliveryDisputed(id, disputeId, msg.sender);
    }

    /// @notice Ends an optimistic request (anyone may call): delivers the proposed answer when
    ///         its window closed unchallenged or the committee cleared it; otherwise rejects it
    ///         and refunds the reserve, without a callback.
    function settle(uint256 id, Ticket calldata t, bytes calldata output) external nonReentrant {
        _requireProposed(id, t, output);
        uint256 disputeId = disputeOf[id];
        if (disputeId == 0) {
            if (block.timestamp <= t.deadline) revert ChallengeWindowOpen(id, t.deadline);
        } else {
            (DisputeRecords.Phase phase, DisputeRecords.Verdict verdict) = disputes.verdictOf(disputeId, 0);
            if (phase != DisputeRecords.Phase.Resolved) revert DisputeUnresolved(id, disputeId);
            // NoCommittee: nobody could judge the answer, so it stands (a challenge must not be a
            // free way to read an answer and refuse to pay for it)
            if (verdict != DisputeRecords.Verdict.Cleared && verdict != DisputeRecords.Verdict.NoCommittee) {
                delete ticketHashOf[id];
                depositOf[t.requester] += t.fee;
                emit InferenceRejected(id, disputeId, t.fee);
                return;
            }
        }
        delete ticketHashOf[id];
        _pay(t);
        _deliver(id, t, output, t.outputHash);
    }

    // ------------------------------------------------------------------- reassign and cancel

    /// @notice After the deadline of an unanswered request, anyone may hand it to another
    ///         eligible provider (a new deadline; the reserve follows the new price); `input`
    ///         must be the request's input.
    function reassign(uint256 id, Ticket calldata t, bytes calldata input) external nonReentrant {
        _requireUnanswered(id, t);
        if (block.timestamp <= t.deadline) revert NotExpired(id, t.deadline);
        if (t.assignments >= MAX_ASSIGNMENTS) revert TooManyAssignments(id);
        if (keccak256(input) != t.inputHash) revert InputMismatch(id);
        Ticket memory next = t;
        (, uint256 royaltyBps) = models.requestTerms(t.modelId);
        uint256 seed = uint256(keccak256(abi.encode(id, t.assignments, block.prevrandao)));
        _assign(next, seed, t.provider, _config, t.fee, royaltyBps);
        ticketHashOf[id] = ticketHash(next);
        emit Reassigned(id, next.provider, next, input);
    }

    /// @notice After the deadline of an unanswered request the requester takes its reserve back.
    function cancel(uint256 id, Ticket calldata t) external nonReentrant {
        _requireUnanswered(id, t);
        if (msg.sender != t.requester) revert NotRequester(msg.sender, t.requester);
        if (block.timestamp <= t.deadline) revert NotExpired(id, t.deadline);
        delete ticketHashOf[id];
        depositOf[t.requester] += t.fee;
        emit RequestCancelled(id, t.fee);
    }

    // -------------------------------------------------------------------------------- payouts

    /// @notice Moves `modelId`'s accrued royalty to its author and protocol fees to the treasury
    ///         (their current addresses), where `claimEarnings` pays them out. Anyone may call.
    function sweepShares(uint64 modelId) external {
        Shares memory s = sharesOf[modelId];
        sharesOf[modelId] = Shares({royalty: 0, protocolFee: 0, answers: s.answers});
        (address author,) = models.royaltyInfo(modelId);
        (, address treasury) = params.feeConfig();
        if (s.royalty != 0) earningsOf[author] += s.royalty;
        if (s.protocolFee != 0) earningsOf[treasury] += s.protocolFee;
        emit SharesSwept(modelId, author, s.royalty, treasury, s.protocolFee);
    }

    function claimEarnings() external nonReentrant returns (uint256 amount) {
        amount = earningsOf[msg.sender];
        if (amount == 0) revert NothingToClaim();
        earningsOf[msg.sender] = 0;
        emit EarningsClaimed(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    // ------------------------------------------------------------------------------ internal

    function _requireUnanswered(uint256 id, Ticket calldata t) private view {
        _requirePending(id, t);
        if (t.outputHash != bytes32(0)) revert AlreadyAnswered(id);
    }

    function _requireProposed(uint256 id, Ticket calldata t, bytes calldata output) private view {
        _requirePending(id, t);
        if (t.outputHash == bytes32(0)) revert NotProposed(id);
        if (keccak256(output) != t.outputHash) revert OutputMismatch(id);
    }

    /// @dev Assigns a provider to `t` (other than `skip`), moves the reserve from the requester's
    ///      deposit (`reserved` is what the request already holds) and fixes the split.
    function _assign(
        Ticket memory t,
        uint256 seed,
        address skip,
        Config memory c,
        uint256 reserved,
        uint256 royaltyBps
    ) private {
        (address provider, uint256 price) = providers.pick(t.modelId, t.maxFee, seed, skip, MAX_PROBES);
        if (provider == address(0)) revert NoProviderAtFee(t.modelId, t.maxFee);
        uint256 available = depositOf[t.requester] + reserved;
        if (price > available) revert InsufficientDeposit(t.requester, price, available);
        depositOf[t.requester] = available - price;
        uint256 protocolFee = price * c.protocolFeeBps / BPS;
        uint256 rest = price - protocolFee;
        t.provider = provider;
        t.fee = uint96(price);
        t.protocolFee = uint96(protocolFee);
        t.royalty = uint96(rest * royaltyBps / BPS);
        t.deadline = uint40(block.timestamp + c.requestTimeout);
        t.assignments += 1;
    }

    /// @dev The reserve, split: the provider's share to its earnings, the rest to the model's shares.
    function _pay(Ticket calldata t) private {
        earningsOf[t.provider] += t.fee - t.royalty - t.protocolFee;
        Shares storage s = sharesOf[t.modelId];
        s.royalty += t.royalty;
        s.protocolFee += t.protocolFee;
        unchecked {
            s.answers += 1; // a count that may wrap; it keeps the slot non-zero
        }
    }

    /// @dev Calls the requester back with exactly its callback gas; a revert there does not
    ///      undo the delivery.
    function _deliver(uint256 id, Ticket calldata t, bytes calldata output, bytes32 outputHash) private {
        uint256 needed = uint256(t.callbackGasLimit) * 64 / 63 + CALLBACK_RESERVE;
        if (gasleft() < needed) revert InsufficientGasForCallback(gasleft(), needed);
        bytes memory data = abi.encodeCall(IInferenceConsumer.onInferenceResult, (id, output));
        address requester = t.requester;
        uint256 gasLimit = t.callbackGasLimit;
        bool ok;
        // No return data is copied (retSize 0): a callback returning megabytes would otherwise
        // make the provider pay the copy's memory gas beyond the declared limit.
        // solhint-disable-next-line no-inline-assembly
        assembly {
            ok := call(gasLimit, requester, 0, add(data, 32), mload(data), 0, 0)
        }
        emit InferenceFulfilled(id, t.provider, outputHash, ok);
    }
}
