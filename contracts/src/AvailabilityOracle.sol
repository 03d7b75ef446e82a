// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {OracleMath} from "./OracleMath.sol";

/// @title AvailabilityOracle
/// @notice Staked external adapters report, once per epoch and model, every watched provider's
///         uptime, latency and canary result. Each adapter signs its own observation vector
///         (EIP-712 `Observation`); anyone submits one transaction per (model, epoch) carrying the
///         vectors of at least `quorum()` distinct active adapters. Per provider the contract keeps
///         the lower median of each figure: with `quorum()` = ⌊2a/3⌋ + 1 of `a` active adapters and
///         fewer than a/3 of them lying, every median lies between two honest adapters' values.
///
///         Deviation. An adapter whose vector is out of tolerance of the medians on more than
///         `maxDeviantBps` of a report's providers earns no reward for it and takes a strike;
///         `strikeLimit` strikes in a row cost it `adapterSlashBps` of its stake (to the treasury).
///         An in-tolerance report clears its strikes and earns `rewardPerReport` from the pool.
///
///         Storage. A report over at most `DIRECT_LIMIT` providers writes each provider's medians
///         (`statusOf`). A larger one stores only the Merkle root of its leaves and puts the medians
///         in the `ReportAccepted` event; anyone applies a provider's leaf with its proof
///         (`applyLeaf`). Either way the root is kept, so any reported figure can be proven.
contract AvailabilityOracle is AccessControl, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    bytes32 public constant OBSERVATION_TYPEHASH =
        keccak256("Observation(uint64 modelId,uint64 epoch,bytes32 providers,bytes32 values)");
    uint256 public constant MAX_ADAPTERS = 31;
    uint256 public constant MIN_QUORUM = 3;
    uint256 public constant MAX_PROVIDERS = 2048;
    uint256 public constant DIRECT_LIMIT = 64;
    uint256 public constant MAX_ENDPOINT_BYTES = 256;

    struct Adapter {
        uint128 stake;
        uint128 reward;
        uint64 exitReadyAt; // 0 while active or never exited
        uint8 strikes;
        bool active;
        string endpoint;
    }

    struct Status {
        uint64 epoch; // the epoch the figures are for; 0 = never reported
        uint16 uptimeBps;
        uint32 latencyMs;
        uint16 canaryBps;
    }

    struct Params {
        uint128 minAdapterStake;
        uint128 rewardPerReport;
        uint64 exitDelay;
        uint16 adapterSlashBps;
        uint16 toleranceBps;
        uint16 latencyToleranceBps;
        uint16 maxDeviantBps;
        uint8 strikeLimit;
    }

    IERC20 public immutable token;
    address public immutable treasury;
    uint64 public immutable epochSeconds;
    uint64 public immutable genesis;

    Params private _params;
    uint256 public rewardPool;
    mapping(address adapter => Adapter) private _adapters;
    address[] private _active;
    mapping(address adapter => uint256 indexPlusOne) private _activeIndex;
    mapping(uint64 modelId => uint64 epoch) public lastReported;
    mapping(uint64 modelId => mapping(uint64 epoch => bytes32 root)) public reportRoot;
    mapping(uint64 modelId => mapping(address provider => Status)) private _status;

    event AdapterJoined(address indexed adapter, uint256 stake, string endpoint);
    event AdapterStaked(address indexed adapter, uint256 amount, uint256 stake);
    event AdapterExiting(address indexed adapter, uint64 readyAt);
    event AdapterWithdrawn(address indexed adapter, uint256 amount);
    event AdapterStruck(address indexed adapter, uint64 indexed modelId, uint64 epoch, uint256 deviant, uint8 strikes);
    event AdapterSlashed(address indexed adapter, uint256 amount);
    event RewardClaimed(address indexed adapter, uint256 amount);
    event RewardsFunded(address indexed from, uint256 amount, uint256 pool);
    /// @notice Every accepted report, medians included (the data of a Merkle-rooted report).
    ///         `medians` holds 8 bytes (a packed figure) per provider, in the providers' order.
    event ReportAccepted(
        uint64 indexed modelId, uint64 indexed epoch, bytes32 root, address[] providers, bytes medians, address[] adapters
    );
    event StatusApplied(uint64 indexed modelId, address indexed provider, uint64 epoch, uint64 packed);
    event ParamsChanged(Params params);

    error ZeroAmount();
    error ZeroAddress(string field);
    error AmountTooLarge(uint256 amount);
    error BelowMinimumStake(uint256 stake, uint256 minimum);
    error AlreadyAdapter(address adapter);
    error NotActiveAdapter(address adapter);
    error TooManyAdapters(uint256 max);
    error InvalidEndpoint(uint256 length);
    error StillActive(address adapter);
    error StillExiting(address adapter);
    error ExitNotReady(uint64 readyAt, uint256 now_);
    error NothingToWithdraw(address adapter);
    error WrongEpoch(uint64 epoch, uint64 expected);
    error AlreadyReported(uint64 modelId, uint64 epoch);
    error BadProviders(uint256 index);
    error TooManyProviders(uint256 count, uint256 max);
    error AdaptersNotSorted(uint256 index);
    error WrongValuesLength(address adapter, uint256 length, uint256 expected);
    error BadValue(address adapter, uint256 index);
    error BadSignature(address adapter);
    error BelowQuorum(uint256 signers, uint256 quorum);
    error BadProof();
    error StaleStatus(uint64 epoch, uint64 current);
    error OutOfBounds(string field, uint256 value, uint256 min, uint256 max);

    /// @param admin the governance timelock: the only account that may change the parameters
    constructor(address admin, IERC20 token_, address treasury_, uint64 epochSeconds_, Params memory params_)
        EIP712("VerinferAvailabilityOracle", "1")
    {
        if (admin == address(0)) revert ZeroAddress("admin");
        if (address(token_) == address(0)) revert ZeroAddress("token");
        if (treasury_ == address(0)) revert ZeroAddress("treasury");
        _bounded("epochSeconds", epochSeconds_, 10, 1 days);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        token = token_;
        treasury = treasury_;
        epochSeconds = epochSeconds_;
        genesis = uint64(block.timestamp);
        _setParams(params_);
    }

    // ------------------------------------------------------------------------------ adapters

    /// @notice Joins as an adapter with `amount` of stake (≥ `minAdapterStake`) and the endpoint
    ///         where the other adapters fetch its signed observations.
    function join(uint256 amount, string calldata endpoint) external nonReentrant {
        Adapter storage a = _adapters[msg.sender];
        if (a.active) revert AlreadyAdapter(msg.sender);
        if (a.stake != 0) revert StillExiting(msg.sender); // an exiting adapter withdraws first
        if (_active.length >= MAX_ADAPTERS) revert TooManyAdapters(MAX_ADAPTERS);
        uint256 length = bytes(endpoint).length;
        if (length == 0 || length > MAX_ENDPOINT_BYTES) revert InvalidEndpoint(length);
        if (amount < _params.minAdapterStake) revert BelowMinimumStake(amount, _params.minAdapterStake);
        if (amount > type(uint128).max) revert AmountTooLarge(amount);
        a.stake = uint128(amount);
        a.active = true;
        a.exitReadyAt = 0;
        a.endpoint = endpoint;
        _active.push(msg.sender);
        _activeIndex[msg.sender] = _active.length;
        emit AdapterJoined(msg.sender, amount, endpoint);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    function addStake(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        Adapter storage a = _adapters[msg.sender];
        if (!a.active) revert NotActiveAdapter(msg.sender);
        uint256 total = uint256(a.stake) + amount;
        if (total > type(uint128).max) revert AmountTooLarge(amount);
        a.stake = uint128(total);
        emit AdapterStaked(msg.sender, amount, total);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Stops signing at once (no later report counts the caller); the stake can be
    ///         withdrawn `exitDelay` later.
    function requestExit() external {
        Adapter storage a = _adapters[msg.sender];
        if (!a.active) revert NotActiveAdapter(msg.sender);
        _deactivate(msg.sender, a);
        uint64 readyAt = uint64(block.timestamp) + _params.exitDelay;
        a.exitReadyAt = readyAt;
        emit AdapterExiting(msg.sender, readyAt);
    }

    function withdraw() external nonReentrant {
        Adapter storage a = _adapters[msg.sender];
        if (a.active) revert StillActive(msg.sender);
        uint256 amount = a.stake;
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        if (block.timestamp < a.exitReadyAt) revert ExitNotReady(a.exitReadyAt, block.timestamp);
        a.stake = 0;
        emit AdapterWithdrawn(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    function claimReward() external nonReentrant returns (uint256 amount) {
        Adapter storage a = _adapters[msg.sender];
        amount = a.reward;
        if (amount == 0) revert ZeroAmount();
        a.reward = 0;
        emit RewardClaimed(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /// @notice Adds to the reward pool (anyone; typically a treasury grant).
    function fundRewards(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        rewardPool += amount;
        emit RewardsFunded(msg.sender, amount, rewardPool);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    // ------------------------------------------------------------------------------- reports

    /// @notice The epoch now running; reports are accepted for the one before it.
    function currentEpoch() public view returns (uint64) {
        return uint64((block.timestamp - genesis) / epochSeconds);
    }

    /// @notice Signatures a report needs: ⌊2a/3⌋ + 1 of the `a` active adapters, at least 3.
    function quorum() public view returns (uint256) {
        uint256 q = (_active.length * 2) / 3 + 1;
        return q < MIN_QUORUM ? MIN_QUORUM : q;
    }

    /// @notice The EIP-712 digest an adapter signs for its observation vector.
    ///         `providers` is keccak256(abi.encodePacked(providers)) (32 bytes per address),
    ///         `values` the keccak256 of the packed figures (8 bytes per provider).
    function observationDigest(uint64 modelId, uint64 epoch, address[] calldata providers, bytes calldata values)
        public
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(OBSERVATION_TYPEHASH, modelId, epoch, keccak256(abi.encodePacked(providers)), keccak256(values))
            )
        );
    }

    /// @notice Accepts the report of `modelId` for the epoch that just ended.
    /// @param providers strictly ascending; every adapter's vector follows this order
    /// @param reports the adapters' signed vectors, strictly ascending by adapter address
    function submit(uint64 modelId, uint64 epoch, address[] calldata providers, OracleMath.Signed[] calldata reports)
        external
        nonReentrant
    {
        {
            uint64 current = currentEpoch();
            if (current == 0 || epoch != current - 1) revert WrongEpoch(epoch, current == 0 ? 0 : current - 1);
        }
        if (reportRoot[modelId][epoch] != bytes32(0)) revert AlreadyReported(modelId, epoch);
        uint256 n = providers.length;
        if (n > MAX_PROVIDERS) revert TooManyProviders(n, MAX_PROVIDERS);
        _checkProviders(providers);
        address[] memory signers = _checkSignatures(modelId, epoch, providers, reports);
        Params memory p = _params;
        (uint64[] memory medians, uint256[] memory deviant) = OracleMath.aggregate(
            reports, n, p.toleranceBps, p.latencyToleranceBps
        );
        bytes32 root = OracleMath.root(modelId, epoch, providers, medians);
        lastReported[modelId] = epoch;
        reportRoot[modelId][epoch] = root;
        if (n <= DIRECT_LIMIT) {
            for (uint256 i = 0; i < n; i++) {
                _apply(modelId, providers[i], epoch, medians[i]);
            }
        }
        emit ReportAccepted(modelId, epoch, root, providers, _packed(medians), signers);
        _settleAdapters(modelId, epoch, signers, deviant, n, p);
    }

    /// @notice Applies one provider's figures from a Merkle-rooted report (anyone may call).
    function applyLeaf(uint64 modelId, uint64 epoch, address provider, uint64 packed, bytes32[] calldata proof)
        external
    {
        bytes32 root = reportRoot[modelId][epoch];
        if (root == bytes32(0)) revert BadProof();
        if (!OracleMath.verify(proof, root, OracleMath.leaf(modelId, epoch, provider, packed))) revert BadProof();
        uint64 current = _status[modelId][provider].epoch;
        if (epoch <= current) revert StaleStatus(epoch, current);
        _apply(modelId, provider, epoch, packed);
    }

    // --------------------------------------------------------------------------------- views

    /// @notice The latest figures applied for `provider` on `modelId` (epoch 0: none yet).
    function statusOf(uint64 modelId, address provider) external view returns (Status memory) {
        return _status[modelId][provider];
    }

    function adapterOf(address adapter) external view returns (Adapter memory) {
        return _adapters[adapter];
    }

    function activeAdapters() external view returns (address[] memory) {
        return _active;
    }

    function params() external view returns (Params memory) {
        return _params;
    }

    // ---------------------------------------------------------------------------- governance

    /// @notice Changes the parameters (the timelock only), each within its hard bounds.
    function setParams(Params calldata next) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setParams(next);
    }

    // ------------------------------------------------------------------------------ internals

    function _setParams(Params memory next) private {
        _bounded("minAdapterStake", next.minAdapterStake, 1e18, 1e27);
        _bounded("rewardPerReport", next.rewardPerReport, 0, 1e21);
        _bounded("exitDelay", next.exitDelay, 1 hours, 90 days);
        _bounded("adapterSlashBps", next.adapterSlashBps, 100, 5_000);
        _bounded("toleranceBps", next.toleranceBps, 100, 5_000);
        _bounded("latencyToleranceBps", next.latencyToleranceBps, 1_000, 50_000);
        _bounded("maxDeviantBps", next.maxDeviantBps, 0, 5_000);
        _bounded("strikeLimit", next.strikeLimit, 1, 10);
        _params = next;
        emit ParamsChanged(next);
    }

    function _bounded(string memory field, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert OutOfBounds(field, value, min, max);
    }

    function _checkProviders(address[] calldata providers) private pure {
        address previous = address(0);
        for (uint256 i = 0; i < providers.length; i++) {
            if (providers[i] <= previous) revert BadProviders(i); // zero, unsorted or repeated
            previous = providers[i];
        }
        if (providers.length == 0) revert BadProviders(0);
    }

    function _checkSignatures(uint64 modelId, uint64 epoch, address[] calldata providers, OracleMath.Signed[] calldata reports)
        private
        view
        returns (address[] memory signers)
    {
        uint256 k = reports.length;
        uint256 needed = quorum();
        if (k < needed) revert BelowQuorum(k, needed);
        signers = new address[](k);
        bytes32 providersHash = keccak256(abi.encodePacked(providers));
        address previous = address(0);
        for (uint256 j = 0; j < k; j++) {
            OracleMath.Signed calldata r = reports[j];
            if (r.adapter <= previous) revert AdaptersNotSorted(j);
            previous = r.adapter;
            if (!_adapters[r.adapter].active) revert NotActiveAdapter(r.adapter);
            bytes calldata values = r.values;
            uint256 n = providers.length;
            if (values.length != n * 8) revert WrongValuesLength(r.adapter, values.length, n * 8);
            for (uint256 i = 0; i < n; i++) {
                if (!OracleMath.valid(OracleMath.at(values, i))) revert BadValue(r.adapter, i);
            }
            bytes32 digest = _hashTypedDataV4(
                keccak256(abi.encode(OBSERVATION_TYPEHASH, modelId, epoch, providersHash, keccak256(values)))
            );
            (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, r.signature);
            if (err != ECDSA.RecoverError.NoError || recovered != r.adapter) revert BadSignature(r.adapter);
            signers[j] = r.adapter;
        }
    }

    function _settleAdapters(
        uint64 modelId,
        uint64 epoch,
        address[] memory signers,
        uint256[] memory deviant,
        uint256 n,
        Params memory p
    ) private {
        uint256 pool = rewardPool;
        uint256 toTreasury = 0;
        for (uint256 j = 0; j < signers.length; j++) {
            Adapter storage a = _adapters[signers[j]];
            if (deviant[j] * 10_000 > uint256(p.maxDeviantBps) * n) {
                uint8 strikes = a.strikes + 1;
                emit AdapterStruck(signers[j], modelId, epoch, deviant[j], strikes);
                if (strikes >= p.strikeLimit) {
                    uint256 cut = (uint256(a.stake) * p.adapterSlashBps) / 10_000;
                    a.stake -= uint128(cut);
                    toTreasury += cut;
                    strikes = 0;
                    emit AdapterSlashed(signers[j], cut);
                    if (a.stake < p.minAdapterStake) {
                        _deactivate(signers[j], a);
                        a.exitReadyAt = uint64(block.timestamp) + p.exitDelay;
                        emit AdapterExiting(signers[j], a.exitReadyAt);
                    }
                }
                a.strikes = strikes;
            } else {
                a.strikes = 0;
                uint256 reward = p.rewardPerReport < pool ? p.rewardPerReport : pool;
                pool -= reward;
                a.reward += uint128(reward);
            }
        }
        rewardPool = pool;
        if (toTreasury != 0) token.safeTransfer(treasury, toTreasury);
    }

    /// @dev The medians as the event carries them: 8 bytes each.
    function _packed(uint64[] memory medians) private pure returns (bytes memory out) {
        uint256 n = medians.length;
        out = new bytes(n * 8);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let src := add(medians, 0x20)
            let dst := add(out, 0x20)
            // write each figure's 8 bytes; the word written past the end lands in unallocated memory
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                mstore(add(dst, mul(i, 8)), shl(192, mload(add(src, mul(i, 0x20)))))
            }
        }
    }

    function _apply(uint64 modelId, address provider, uint64 epoch, uint64 packed) private {
        (uint16 uptime, uint32 latency, uint16 canary) = OracleMath.unpack(packed);
        _status[modelId][provider] = Status(epoch, uptime, latency, canary);
        emit StatusApplied(modelId, provider, epoch, packed);
    }

    function _deactivate(address adapter, Adapter storage a) private {
        a.active = false;
        uint256 indexPlusOne = _activeIndex[adapter];
        address last = _active[_active.length - 1];
        _active[indexPlusOne - 1] = last;
        _activeIndex[last] = indexPlusOne;
        _active.pop();
        delete _activeIndex[adapter];
    }
}
