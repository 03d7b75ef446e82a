// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title CoordinatorRecords
/// @notice What `InferenceCoordinator` records about requests and money, and how anyone reads it:
///         the ticket, the storage, the events and the errors. The rules are in
///         `InferenceCoordinator`.
abstract contract CoordinatorRecords {
    /// @notice The callback comes in the fulfilling transaction; the delivered answer may still be
    ///         disputed for `challengeWindow` afterwards (`disputeDelivered`).
    uint8 public constant MODE_NONE = 0;
    /// @notice The answer is proposed, may be challenged for `challengeWindow`, and reaches the
    ///         callback only unchallenged or cleared by the dispute committee.
    uint8 public constant MODE_OPTIMISTIC = 1;
    uint32 public constant MIN_CALLBACK_GAS = 5_000;
    uint32 public constant MAX_CALLBACK_GAS = 2_500_000;
    uint256 public constant MAX_PROBES = 16;
    uint8 public constant MAX_ASSIGNMENTS = 3;

    /// @notice Everything about one open request; only its hash is stored. `fee` is the
    ///         assigned provider's price, reserved from the requester's deposit, of which
    ///         `royalty` goes to the model's author and `protocolFee` to the treasury (fixed when
    ///         the provider is assigned). `deadline` is when the provider must have answered, or,
    ///         once an optimistic answer is proposed (`outputHash` set), when its challenge
    ///         window closes.
    struct Ticket {
        address requester;
        uint64 modelId;
        uint32 callbackGasLimit;
        uint8 mode;
        uint8 assignments;
        address provider;
        uint96 fee;
        uint96 maxFee;
        uint96 royalty;
        uint96 protocolFee;
        uint40 deadline;
        bytes32 inputHash;
        bytes32 outputHash;
    }

    /// @notice Royalties and protocol fees earned on a model, not yet swept to their owners, and
    ///         how many answers the model has delivered here (which also keeps the slot from ever
    ///         returning to zero, so an answer always writes a used slot).
    struct Shares {
        uint112 royalty;
        uint112 protocolFee;
        uint32 answers;
    }

    /// @dev One slot every request reads and writes: the request counter and the copy of the
    ///      `ProtocolParams` numbers a request needs (refreshed on every change of them).
    struct Config {
        uint64 requestCount;
        uint40 requestTimeout;
        uint32 maxRequestBytes;
        uint40 challengeWindow;
        uint16 protocolFeeBps;
        uint32 maxOutputBytes;
    }

    /// @dev The top bit of a `ticketHashOf` slot: set when the slot holds a delivered none-mode
    ///      answer kept for disputes (`deliveredHash`), clear for an open request (`ticketHash`).
    bytes32 internal constant DELIVERED = bytes32(uint256(1) << 255);

    Config internal _config;
    /// @notice Per request: its open ticket's hash (`ticketHash`), or, once a none-mode answer is
    ///         delivered, the delivered answer's hash with the top bit set (0: never or no more).
    mapping(uint256 id => bytes32) public ticketHashOf;
    mapping(address requester => uint256) public depositOf;
    mapping(address account => uint256) public earningsOf;
    mapping(uint64 modelId => Shares) public sharesOf;
    /// @notice The dispute opened over request `id`'s optimistic or delivered answer (0: none).
    mapping(uint256 id => uint256 disputeId) public disputeOf;

    event Deposited(address indexed requester, address indexed payer, uint256 amount, uint256 balance);
    event Withdrawn(address indexed requester, uint256 amount);
    event InferenceRequested(uint256 indexed id, address indexed provider, Ticket ticket, bytes input);
    event Reassigned(uint256 indexed id, address indexed provider, Ticket ticket, bytes input);
    event InferenceProposed(uint256 indexed id, address indexed provider, Ticket ticket, bytes output);
    event Challenged(uint256 indexed id, uint256 indexed disputeId, address indexed challenger);
    /// @notice A none-mode answer was delivered: what anyone needs, with the request's input and
    ///         latest ticket, to dispute it by `disputeUntil` (`disputeDelivered`).
    event InferenceDelivered(uint256 indexed id, uint40 disputeUntil, bytes output);
    event DeliveryDisputed(uint256 indexed id, uint256 indexed disputeId, address indexed challenger);
    event InferenceFulfilled(uint256 indexed id, address indexed provider, bytes32 outputHash, bool callbackSucceeded);
    event InferenceRejected(uint256 indexed id, uint256 indexed disputeId, uint256 refund);
    event RequestCancelled(uint256 indexed id, uint256 refund);
    event SharesSwept(uint64 indexed modelId, address author, uint256 royalty, address treasury, uint256 protocolFee);
    event EarningsClaimed(address indexed account, uint256 amount);
    event ConfigSynced(uint64 requestTimeout, uint32 maxRequestBytes, uint64 challengeWindow, uint16 protocolFeeBps);

    error CommitteeCannotForm(uint64 modelId, uint256 eligible);
    error ZeroAmount();
    error InsufficientDeposit(address requester, uint256 needed, uint256 available);
    error UnknownOrDeprecatedModel(uint64 modelId);
    error InputTooLarge(uint256 size, uint256 max);
    error OutputTooLarge(uint256 size, uint256 max);
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
    error OutputMismatch(uint256 id);
    error AlreadyAnswered(uint256 id);
    error NotProposed(uint256 id);
    error ChallengeWindowOpen(uint256 id, uint40 closesAt);
    error ChallengeWindowClosed(uint256 id, uint40 closedAt);
    error AlreadyChallenged(uint256 id, uint256 disputeId);
    error DisputeUnresolved(uint256 id, uint256 disputeId);
    error NotDelivered(uint256 id);

    function requestCount() external view returns (uint256) {
        return _config.requestCount;
    }

    /// @notice The copy of the protocol numbers requests use.
    function config()
        external
        view
        returns (uint64 requestTimeout, uint32 maxRequestBytes, uint64 challengeWindow, uint16 protocolFeeBps)
    {
        Config memory c = _config;
        return (c.requestTimeout, c.maxRequestBytes, c.challengeWindow, c.protocolFeeBps);
    }

    /// @notice The largest output `fulfil` accepts (so that every answer fits in a dispute).
    function maxOutputBytes() external view returns (uint32) {
        return _config.maxOutputBytes;
    }

    /// @notice Whether request `id` is still open (waiting for its answer or its settlement); a
    ///         delivered none-mode answer is not.
    function isPending(uint256 id) external view returns (bool) {
        bytes32 stored = ticketHashOf[id];
        return stored != bytes32(0) && stored & DELIVERED == bytes32(0);
    }

    /// @notice Whether `ticketHashOf[id]` holds a delivered none-mode answer (which may be
    ///         disputed until its `disputeUntil`, see `InferenceDelivered`).
    function isDelivered(uint256 id) external view returns (bool) {
        return ticketHashOf[id] & DELIVERED != bytes32(0);
    }

    /// @notice The hash an open ticket is stored as (keccak256 of its ABI encoding, top bit clear).
    function ticketHash(Ticket memory t) public pure returns (bytes32) {
        return keccak256(abi.encode(t)) & ~DELIVERED;
    }

    /// @notice The slot of a none-mode answer delivered on the open ticket stored as `openHash`.
    function deliveredHash(bytes32 openHash, bytes32 outputHash, uint40 disputeUntil) public pure returns (bytes32) {
        return keccak256(abi.encode(openHash, outputHash, disputeUntil)) | DELIVERED;
    }

    /// @dev Reverts unless `t` is request `id`'s open ticket; returns its stored hash.
    function _requirePending(uint256 id, Ticket calldata t) internal view returns (bytes32 stored) {
        stored = ticketHashOf[id];
        if (stored == bytes32(0) || stored != keccak256(abi.encode(t)) & ~DELIVERED) revert RequestNotPending(id);
    }
}
