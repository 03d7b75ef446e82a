// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IReputationFloor} from "./IReputationFloor.sol";
import {ModelRegistry} from "./ModelRegistry.sol";
import {ProtocolParams} from "./ProtocolParams.sol";
import {SortitionTrees} from "./SortitionTrees.sol";

/// @title ProviderRegistry
/// @notice Providers stake tokens, register an endpoint with its TLS key fingerprint, and list the
///         models they serve with a price per call (token base units).
///
///         Stake rules: `stake` adds at once. `requestUnbond` moves stake into an unbonding bucket
///         that can be withdrawn `unbondingDelay` seconds later (each new request restarts the
///         clock for the whole bucket). Unbonding tokens can still be slashed, and
///         `withdrawUnbonded` is refused while a dispute naming the provider is open
///         (`holdStake` / `releaseStake`, called by the DisputeManager), so leaving cannot escape
///         a pending dispute. Only `SLASHER_ROLE` (held by the DisputeManager) can slash;
///         a slash takes from the active stake first, then from the unbonding bucket.
///         A provider is eligible for a model while registered, staked at least `minProviderStake`,
///         and listing that model.
///
///         Selection. Each model keeps a stake-weighted sortition sum tree (`SortitionTrees`):
///         one permanent leaf per (model, provider), weighted by the provider's stake while it is
///         eligible for the model and 0 otherwise, so `pick` and committee draws cost O(log n)
///         whatever the number of listings, dead or alive. Every stake, unbond, slash, setModel
///         and removeModel updates the provider's leaves (at most `MAX_MODELS_PER_PROVIDER` of
///         them); `sync` lets anyone refresh a provider after a `minProviderStake` change. Node
///         values are versioned per `EPOCH_BLOCKS` epoch, so a draw can read the tree as it was
///         at the end of an earlier epoch (see `SortitionTrees`).
contract ProviderRegistry is AccessControl, ReentrancyGuardTransient, SortitionTrees {
    using SafeERC20 for IERC20;

    bytes32 public constant SLASHER_ROLE = keccak256("SLASHER_ROLE");
    uint256 public constant MAX_ENDPOINT_BYTES = 256;
    uint256 public constant MAX_MODELS_PER_PROVIDER = 16;
    /// @notice Base units of stake per unit of tree weight (weights fit 72 bits).
    uint256 public constant WEIGHT_UNIT = 1e9;
    uint256 private constant PRICE_MASK = type(uint128).max;
    uint256 private constant SCORE_MASK = 0x3fff;

    struct Provider {
        // slot 0
        uint128 stake;
        uint128 unbonding;
        // slot 1
        uint64 unbondReadyAt;
        bool registered;
        // slot 2..
        bytes32 tlsFingerprint;
        string endpoint;
        uint64[] modelIds;
    }

    IERC20 public immutable token;
    ProtocolParams public immutable params;
    ModelRegistry public immutable models;

    mapping(address provider => Provider) private _providers;
    /// @dev Per listing one slot: the price (bits 0..127), the reputation score recorded by
    ///      `refreshStandings` plus one (bits 240..253; 0 = never recorded) and whether it was below
    ///      the floor (bit 255). `pick` reads all three in the one load it already made.
    mapping(address provider => mapping(uint64 modelId => uint256 listing)) private _listing;
    /// @notice The reputation contract whose floor `pick` respects (bound once by the deployer).
    IReputationFloor public reputation;
    mapping(uint64 modelId => address[]) private _providersOfModel;
    mapping(uint64 modelId => mapping(address provider => uint256 indexPlusOne)) private _modelIndex;
    /// @notice Unresolved disputes naming `provider` (kept by the DisputeManager): while any is
    ///         open its unbonding bucket cannot be withdrawn, so it stays slashable.
    mapping(address provider => uint256 count) public openDisputesAgainst;
    /// @notice When the provider registered (0: never): its age for `ProviderReputation`.
    mapping(address provider => uint64 timestamp) public registeredAt;
    /// @notice How many times the provider was slashed (each one a dispute it lost).
    mapping(address provider => uint32 count) public slashCount;
    /// @notice When an account granted `SLASHER_ROLE` may first use it. Grants made in the
    ///         deployment (by the deployer, before it renounced) act at once; any later grant, by
    ///         governance or by a deployer that a vote made admin again, waits
    ///         `longestUnbondingDelay`, so every provider who sees a captured vote hand the role
    ///         to a thief can unbond and leave before the thief can slash.
    mapping(address slasher => uint256 timestamp) public slasherActiveAt;
    address private immutable _deployer;
    /// @dev The deployer gave up (or never had) the admin role: from then on its grants wait like
    ///      anyone's, even if a vote hands it the role back.
    bool private _deploymentSealed;

    event Staked(address indexed provider, uint256 amount, uint256 totalStake);
    event UnbondRequested(address indexed provider, uint256 amount, uint64 readyAt);
    event Unbonded(address indexed provider, uint256 amount);
    event Slashed(address indexed provider, uint256 amount, address indexed recipient);
    event ProviderRegistered(address indexed provider, string endpoint, bytes32 tlsFingerprint);
    event EndpointUpdated(address indexed provider, string endpoint, bytes32 tlsFingerprint);
    event ModelOffered(address indexed provider, uint64 indexed modelId, uint256 pricePerCall);
    event ModelWithdrawn(address indexed provider, uint64 indexed modelId);
    event StandingRefreshed(address indexed provider, uint64 indexed modelId, uint256 score, bool belowFloor);

    error ZeroAmount();
    error AmountTooLarge(uint256 amount);
    error InsufficientStake(uint256 requested, uint256 available);
    error NothingToUnbond();
    error UnbondingNotReady(uint64 readyAt, uint256 now_);
    error AlreadyRegistered(address provider);
    error NotRegistered(address provider);
    error BelowMinimumStake(uint256 stake, uint256 minimum);
    error InvalidEndpoint(uint256 length);
    error InactiveModel(uint64 modelId);
    error ZeroPrice(uint64 modelId);
    error TooManyModels(uint256 max);
    error ModelNotOffered(uint64 modelId);
    error NothingToSlash(address provider);
    error ZeroAddress(string field);
    error UnderDispute(address provider, uint256 openDisputes);
    error SlasherNotActive(address slasher, uint256 activeAt);
    error NotDeployer(address caller);
    error AlreadyBound(address reputation);
    error NoReputation();

    constructor(address admin, IERC20 token_, ProtocolParams params_, ModelRegistry models_, uint256 epochBlocks_)
        SortitionTrees(epochBlocks_)
    {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _deployer = msg.sender;
        _deploymentSealed = admin != msg.sender;
        token = token_;
        params = params_;
        models = models_;
    }

    modifier onlyActiveSlasher() {
        _checkRole(SLASHER_ROLE);
        uint256 activeAt = slasherActiveAt[msg.sender];
        if (block.timestamp < activeAt) revert SlasherNotActive(msg.sender, activeAt);
        _;
    }

    function _grantRole(bytes32 role, address account) internal override returns (bool granted) {
        granted = super._grantRole(role, account);
        if (granted && role == SLASHER_ROLE) {
            bool deployment = msg.sender == _deployer && !_deploymentSealed;
            slasherActiveAt[account] =
                deployment ? block.timestamp : block.timestamp + params.longestUnbondingDelay();
        }
    }

    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked && role == DEFAULT_ADMIN_ROLE && account == _deployer) _deploymentSealed = true;
    }

    // ----------------------------------------------------------------------------------- stake

    /// @notice Adds `amount` to the caller's stake (requires an ERC-20 allowance).
    function stake(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        Provider storage p = _providers[msg.sender];
        uint256 total = uint256(p.stake) + amount;
        if (total > type(uint128).max) revert AmountTooLarge(amount);
        p.stake = uint128(total);
        _syncLeaves(msg.sender, p);
        emit Staked(msg.sender, amount, total);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Starts unbonding `amount`; it can be withdrawn after `unbondingDelay`.
    function requestUnbond(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        Provider storage p = _providers[msg.sender];
        if (amount > p.stake) revert InsufficientStake(amount, p.stake);
        p.stake -= uint128(amount);
        p.unbonding += uint128(amount);
        _syncLeaves(msg.sender, p);
        uint64 readyAt = uint64(block.timestamp) + params.unbondingDelay();
        p.unbondReadyAt = readyAt;
        emit UnbondRequested(msg.sender, amount, readyAt);
    }

    /// @notice Withdraws the whole unbonding bucket once its delay has passed.
    function withdrawUnbonded() external nonReentrant {
        Provider storage p = _providers[msg.sender];
        uint256 amount = p.unbonding;
        if (amount == 0) revert NothingToUnbond();
        if (block.timestamp < p.unbondReadyAt) revert UnbondingNotReady(p.unbondReadyAt, block.timestamp);
        uint256 open = openDisputesAgainst[msg.sender];
        if (open != 0) revert UnderDispute(msg.sender, open);
        p.unbonding = 0;
        emit Unbonded(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /// @notice Takes up to `amount` from `provider`'s stake (then its unbonding bucket) and sends
    ///         it to `recipient`. Only the DisputeManager holds `SLASHER_ROLE`.
    /// @return slashed what was actually taken (less than `amount` when the provider holds less)
    function slash(address provider, uint256 amount, address recipient)
        external
        onlyActiveSlasher
        nonReentrant
        returns (uint256 slashed)
    {
        if (amount == 0) revert ZeroAmount();
        if (recipient == address(0)) revert ZeroAddress("recipient");
        Provider storage p = _providers[provider];
        uint256 fromStake = amount < p.stake ? amount : p.stake;
        uint256 rest = amount - fromStake;
        uint256 fromUnbonding = rest < p.unbonding ? rest : p.unbonding;
        slashed = fromStake + fromUnbonding;
        if (slashed == 0) revert NothingToSlash(provider);
        p.stake -= uint128(fromStake);
        p.unbonding -= uint128(fromUnbonding);
        slashCount[provider] += 1;
        _syncLeaves(provider, p);
        emit Slashed(provider, slashed, recipient);
        token.safeTransfer(recipient, slashed);
    }

    /// @notice A dispute naming `provider` opened (DisputeManager only): its stake stays put.
    function holdStake(address provider) external onlyActiveSlasher {
        openDisputesAgainst[provider] += 1;
    }

    /// @notice A dispute naming `provider` resolved (DisputeManager only).
    function releaseStake(address provider) external onlyActiveSlasher {
        if (openDisputesAgainst[provider] != 0) openDisputesAgainst[provider] -= 1;
    }

    // ------------------------------------------------------------------------------- register

    function register(string calldata endpoint, bytes32 tlsFingerprint) external {
        Provider storage p = _providers[msg.sender];
        if (p.registered) revert AlreadyRegistered(msg.sender);
        uint256 minimum = params.minProviderStake();
        if (p.stake < minimum) revert BelowMinimumStake(p.stake, minimum);
        _checkEndpoint(endpoint);
        p.registered = true;
        registeredAt[msg.sender] = uint64(block.timestamp);
        p.endpoint = endpoint;
        p.tlsFingerprint = tlsFingerprint;
        emit ProviderRegistered(msg.sender, endpoint, tlsFingerprint);
    }

    function updateEndpoint(string calldata endpoint, bytes32 tlsFingerprint) external {
        Provider storage p = _requireRegistered(msg.sender);
        _checkEndpoint(endpoint);
        p.endpoint = endpoint;
        p.tlsFingerprint = tlsFingerprint;
        emit EndpointUpdated(msg.sender, endpoint, tlsFingerprint);
    }

    /// @notice Offers `modelId` at `pricePerCall` base units, or changes its price.
    function setModel(uint64 modelId, uint256 pricePerCall) external {
        Provider storage p = _requireRegistered(msg.sender);
        if (!models.isActive(modelId)) revert InactiveModel(modelId);
        if (pricePerCall == 0) revert ZeroPrice(modelId);
        if (pricePerCall > type(uint128).max) revert AmountTooLarge(pricePerCall);
        if (_modelIndex[modelId][msg.sender] == 0) {
            if (p.modelIds.length >= MAX_MODELS_PER_PROVIDER) revert TooManyModels(MAX_MODELS_PER_PROVIDER);
            p.modelIds.push(modelId);
            _providersOfModel[modelId].push(msg.sender);
            _modelIndex[modelId][msg.sender] = _providersOfModel[modelId].length;
        }
        uint256 previous = _listing[msg.sender][modelId];
        _listing[msg.sender][modelId] = (previous & ~PRICE_MASK) | pricePerCall; // standing kept
        _setWeight(modelId, msg.sender, _weightOf(p));
        emit ModelOffered(msg.sender, modelId, pricePerCall);
    }

    /// @notice Stops offering `modelId`.
    function removeModel(uint64 modelId) external {
        Provider storage p = _requireRegistered(msg.sender);
        uint256 indexPlusOne = _modelIndex[modelId][msg.sender];
        if (indexPlusOne == 0) revert ModelNotOffered(modelId);
        address[] storage list = _providersOfModel[modelId];
        address last = list[list.length - 1];
        list[indexPlusOne - 1] = last;
        _modelIndex[modelId][last] = indexPlusOne;
        list.pop();
        delete _modelIndex[modelId][msg.sender];
        uint64[] storage ids = p.modelIds;
        for (uint256 i = 0; i < ids.length; i++) {
            if (ids[i] == modelId) {
                ids[i] = ids[ids.length - 1];
                ids.pop();
                break;
            }
        }
        delete _listing[msg.sender][modelId];
        _setWeight(modelId, msg.sender, 0);
        emit ModelWithdrawn(msg.sender, modelId);
    }

    // ---------------------------------------------------------------------------------- views

    function getProvider(address provider) external view returns (Provider memory) {
        return _providers[provider];
    }

    function stakeOf(address provider) external view returns (uint256) {
        return _providers[provider].stake;
    }

    /// @notice Providers listing `modelId` (eligible or not: filter with `isEligible`).
    function providersOf(uint64 modelId) external view returns (address[] memory) {
        return _providersOfModel[modelId];
    }

    function isEligible(address provider, uint64 modelId) external view returns (bool) {
        Provider storage p = _providers[provider];
        return p.registered && p.stake >= params.minProviderStake() && priceOf(provider, modelId) != 0;
    }

    /// @notice `provider`'s price per call for `modelId` (0: not listed).
    function priceOf(address provider, uint64 modelId) public view returns (uint256) {
        return _listing[provider][modelId] & PRICE_MASK;
    }

    /// @notice The standing `refreshStandings` last recorded: whether any, the score, and whether
    ///         it was below the floor (such a provider is never picked).
    function standingOf(address provider, uint64 modelId)
        external
        view
        returns (bool recorded, uint256 score, bool belowFloor)
    {
        uint256 raw = _listing[provider][modelId];
        uint256 plusOne = (raw >> 240) & SCORE_MASK;
        return (plusOne != 0, plusOne == 0 ? 0 : plusOne - 1, raw >> 255 == 1);
    }

    /// @notice Records each listed provider's current reputation standing for `modelId` (anyone:
    ///         adapters call it after each report, a recovered provider for itself). It only copies
    ///         what `reputation` computes, so no caller can choose the outcome.
    function refreshStandings(uint64 modelId, address[] calldata providers_) external {
        IReputationFloor rep = reputation;
        if (address(rep) == address(0)) revert NoReputation();
        for (uint256 i = 0; i < providers_.length; i++) {
            address provider = providers_[i];
            uint256 raw = _listing[provider][modelId];
            uint256 price = raw & PRICE_MASK;
            if (price == 0) continue; // not listed: nothing to record
            (uint256 score, bool meets) = rep.standingOf(modelId, provider);
            if (score > 10_000) score = 10_000;
            _listing[provider][modelId] = price | ((score + 1) << 240) | (meets ? 0 : 1 << 255);
            emit StandingRefreshed(provider, modelId, score, !meets);
        }
    }

    /// @notice One-time wiring to `ProviderReputation` (deployed after this contract).
    function bindReputation(IReputationFloor reputation_) external {
        if (msg.sender != _deployer) revert NotDeployer(msg.sender);
        if (address(reputation) != address(0)) revert AlreadyBound(address(reputation));
        if (address(reputation_) == address(0)) revert ZeroAddress("reputation");
        reputation = reputation_;
    }

    /// @notice Refreshes `provider`'s tree weights (anyone may call): needed only after
    ///         governance changes `minProviderStake`; every other change syncs itself.
    function sync(address provider) external {
        _syncLeaves(provider, _providers[provider]);
    }

    /// @notice An eligible provider of `modelId` priced at most `maxPrice`, other than `skip`,
    ///         and not recorded below the reputation floor (`refreshStandings`).
    ///         A model with at most `maxTries` leaves is scanned in full from `seed % n` (cheaper
    ///         than a tree descent at that size, and exact: a fitting provider is always found).
    ///         A larger one is drawn stake-weighted from its live tree, at most `maxTries` draws
    ///         of O(log n) each, and a drawn provider with a recorded score s is kept with
    ///         probability s / 10⁴: the pick is weighted by stake × reputation. Listings without
    ///         stake weigh 0 and are never drawn; providers that fit holding a share s of the
    ///         weight are all missed with probability (1 − s)^maxTries. `(address(0), 0)` when
    ///         nothing fits.
    function pick(uint64 modelId, uint256 maxPrice, uint256 seed, address skip, uint256 maxTries)
        external
        view
        returns (address provider, uint256 price)
    {
        uint256 minStake = params.minProviderStake();
        uint256 n = leafCount(modelId);
        if (n <= maxTries) {
            for (uint256 i = 0; i < n; i++) {
                (provider, price) = _fits(modelId, _leafAt(modelId, (seed + i) % n), maxPrice, skip, minStake, 0);
                if (provider != address(0)) return (provider, price);
            }
            return (address(0), 0);
        }
        uint256 total = liveTotal(modelId);
        for (uint256 i = 0; total > 0 && i < maxTries; i++) {
            uint256 roll = uint256(keccak256(abi.encode(seed, i)));
            address candidate = _drawLive(modelId, roll % total);
            (provider, price) = _fits(modelId, candidate, maxPrice, skip, minStake, (roll >> 128) % 10_000 + 1);
            if (provider != address(0)) return (provider, price);
        }
        return (address(0), 0);
    }

    /// @dev `acceptBelow` 0: no reputation draw (a scan); else the candidate fits only if its
    ///      recorded score (10⁴ when none) is at least `acceptBelow`, uniform in 1..10⁴.
    function _fits(
        uint64 modelId,
        address candidate,
        uint256 maxPrice,
        address skip,
        uint256 minStake,
        uint256 acceptBelow
    ) private view returns (address, uint256) {
        if (candidate == skip) return (address(0), 0);
        uint256 raw = _listing[candidate][modelId];
        uint256 quoted = raw & PRICE_MASK;
        if (quoted == 0 || quoted > maxPrice) return (address(0), 0);
        if (raw >> 255 == 1) return (address(0), 0); // recorded below the reputation floor
        if (acceptBelow != 0) {
            uint256 plusOne = (raw >> 240) & SCORE_MASK;
            if (plusOne != 0 && plusOne - 1 < acceptBelow) return (address(0), 0);
        }
        // a listed price implies registration (`setModel` requires it; it is never undone)
        if (_providers[candidate].stake < minStake) return (address(0), 0);
        return (candidate, quoted);
    }

    /// @dev A provider's tree weight for a model it lists: its stake while eligible, else 0.
    function _weightOf(Provider storage p) private view returns (uint256) {
        if (!p.registered || p.stake < params.minProviderStake()) return 0;
        uint256 w = p.stake / WEIGHT_UNIT;
        return w == 0 ? 1 : w;
    }

    function _syncLeaves(address provider, Provider storage p) private {
        uint64[] storage ids = p.modelIds;
        uint256 w = _weightOf(p);
        for (uint256 i = 0; i < ids.length; i++) {
            _setWeight(ids[i], provider, w);
        }
    }

    function _requireRegistered(address provider) private view returns (Provider storage p) {
        p = _providers[provider];
        if (!p.registered) revert NotRegistered(provider);
    }

    function _checkEndpoint(string calldata endpoint) private pure {
        uint256 length = bytes(endpoint).length;
        if (length == 0 || length > MAX_ENDPOINT_BYTES) revert InvalidEndpoint(length);
    }
}
