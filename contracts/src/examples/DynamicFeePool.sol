// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {InferenceCoordinator} from "../InferenceCoordinator.sol";
import {CoordinatorRecords} from "../CoordinatorRecords.sol";
import {FixedPointMath} from "../sdk/FixedPointMath.sol";
import {InferenceConsumer} from "../sdk/InferenceConsumer.sol";
import {VerinferTensors} from "../sdk/VerinferTensors.sol";

/// @title DynamicFeePool
/// @notice A constant-product pool of two ERC-20 tokens whose swap fee is set by the `amm-fee`
///         model from the pool's own recent prices, computed and sent on-chain.
///
///         Swaps. `swap(tokenIn, amountIn, minOut)` takes the fee (`feeBps` of `amountIn`) and pays
///         out so that reserve0 · reserve1 does not fall: out = rOut · a / (rIn + a) with
///         a = amountIn · (10,000 − feeBps) / 10,000, rounded down. The fee stays in the reserves
///         (it accrues to liquidity providers). Reserves are tracked internally, so tokens sent
///         to the pool outside its functions are ignored (fee-on-transfer tokens are unsupported).
///
///         Liquidity. Shares, not an LP token. The first deposit sets the price and mints
///         √(amount0 · amount1) shares; later deposits bring token1 in the pool's ratio (rounded up)
///         and mint shares pro rata; `removeLiquidity` pays both tokens pro rata (rounded down).
///         Neither moves the price beyond rounding, and neither records one.
///
///         Prices. The first swap at least `OBSERVATION_INTERVAL` (5 minutes) after the last
///         recorded price records price = reserve1 · 1e18 / reserve0 (wad) after it, in a ring
///         buffer of the last 65; other swaps record nothing. So the window samples the market at
///         most once per interval and spans at least 64 intervals (5 h 20 min): swaps within an
///         interval, dust or not, cannot fill it with a flat price and make the features read a
///         calm market (docs/security-pool.md). A swap that would make the price 0 or exceed
///         2^128 is refused.
///
///         Fee updates. Anyone may call `requestFeeUpdate()` once at least 9 prices are recorded,
///         at least one of them since the previous request (so the same question is never paid
///         for twice), and no earlier request is pending. A request unanswered for `REQUEST_TTL`
///         counts as abandoned: a new one may be made and a late answer to the old one is ignored.
///         Once the coordinator's deadline for the pending request has passed unanswered, anyone
///         may `cancelUnanswered(ticket)`: the reserve goes back to the pool's deposit and the same
///         prices may be asked about again at once. The request computes the model's eight features from the
///         recorded prices with the formulas of the Java reference `AmmFeatures.fromPrices` (see
///         `features()`), in 18-decimal fixed point, and asks the coordinator for `amm-fee`,
///         paying at most `maxFee` from this pool's deposit there (fund it with
///         `coordinator.depositFor(pool, amount)`). The answer is the fee in basis points (FP32);
///         the pool rounds it to the nearest whole basis point (halves up) and clamps it to
///         [minFeeBps, maxFeeBps], the bounds it enforces whatever the model says: a negative fee
///         becomes minFeeBps, an absurd one maxFeeBps. An output that is not a finite float in
///         canonical tensor bytes (NaN, ±∞, garbage) leaves the fee unchanged. A dead band keeps
///         the fee from churning on noise: the new fee is applied only when it differs from the
///         current one by at least `feeStepBps` (the model's answers within one market regime
///         spread by a few basis points; regimes are 5, 15, 30, 60 and 100 bps apart). The callback never
///         reverts, so a bad answer cannot leave a request pending.
///
///         Owner. The deployer owns the pool (`Ownable2Step`: hand over with `transferOwnership`
///         + `acceptOwnership`). The owner's one power is `withdrawDeposit`: taking back the
///         pool's unreserved deposit at the coordinator (a pending request keeps its reserve).
contract DynamicFeePool is InferenceConsumer, ReentrancyGuardTransient, Ownable2Step {
    using SafeERC20 for IERC20;

    uint256 public constant PRICE_SLOTS = 65;
    uint256 public constant MIN_PRICES = 9;
    uint256 public constant REQUEST_TTL = 1 days;
    /// @notice The least time between two recorded prices (see "Prices").
    uint256 public constant OBSERVATION_INTERVAL = 5 minutes;
    uint256 private constant BPS = 10_000;
    uint256 private constant WAD = 1e18;
    /// @dev ε of the features (1e-5) in wad: keeps the logarithms finite.
    uint256 private constant EPSILON = 1e13;
    /// @dev wad → the 6-decimal fixed point the model input is written in.
    int256 private constant WAD_PER_MICRO = 1e12;

    IERC20 public immutable token0;
    IERC20 public immutable token1;
    uint64 public immutable modelId;
    uint96 public immutable maxFee;
    uint32 public immutable callbackGas;
    uint16 public immutable minFeeBps;
    uint16 public immutable maxFeeBps;
    uint16 public immutable feeStepBps;

    uint16 public feeBps;
    uint256 public reserve0;
    uint256 public reserve1;
    uint256 public totalShares;
    mapping(address provider => uint256) public sharesOf;
    /// @notice How many prices were ever recorded; the newest sits at (priceCount − 1) % 65.
    uint256 public priceCount;
    uint128[65] private _prices;
    /// @notice When the newest price was recorded (0: never).
    uint256 public lastObservedAt;
    /// @notice The fee request waiting for its answer (0: none), when it was made, and the
    ///         `priceCount` it was computed from.
    uint256 public pendingRequest;
    uint256 public pendingSince;
    uint256 public pricesAtLastRequest;

    /// @dev Sums over one window of log returns (all wad).
    struct ReturnStats {
        int256 sum;
        uint256 absSum;
        uint256 maxAbs;
        uint256 drawdown;
    }

    event LiquidityAdded(address indexed provider, uint256 amount0, uint256 amount1, uint256 shares);
    event LiquidityRemoved(address indexed provider, uint256 amount0, uint256 amount1, uint256 shares);
    event Swapped(address indexed trader, address indexed tokenIn, uint256 amountIn, uint256 amountOut, uint256 price);
    event FeeUpdateRequested(uint256 indexed requestId, int256[8] features);
    /// @notice `rawFee` is the model's answer in basis points, 6-decimal fixed point.
    event FeeUpdated(uint256 indexed requestId, int256 rawFee, uint16 previousFeeBps, uint16 feeBps);
    event FeeOutputRejected(uint256 indexed requestId);
    event StaleFeeResult(uint256 indexed requestId);
    event FeeRequestCancelled(uint256 indexed requestId);
    event DepositWithdrawn(address indexed to, uint256 amount);

    error InvalidTokens(address token0, address token1);
    error InvalidFeeBounds(uint16 minFeeBps, uint16 initialFeeBps, uint16 maxFeeBps);
    error UnknownToken(address token);
    error ZeroAmount();
    error SlippageExceeded(uint256 amount, uint256 limit);
    error InsufficientShares(uint256 shares, uint256 held);
    error PriceOutOfRange(uint256 price);
    error NotEnoughPrices(uint256 recorded, uint256 needed);
    error FeeUpdatePending(uint256 requestId, uint256 retryAfter);
    error NoNewPrices(uint256 priceCount);
    error NoPendingRequest();

    /// @param maxFee_ the most one fee update may pay a provider, from this pool's deposit
    /// @param callbackGas_ the gas the answer is delivered with (the callback itself uses about 17k)
    constructor(
        IERC20 token0_,
        IERC20 token1_,
        InferenceCoordinator coordinator_,
        uint64 modelId_,
        uint96 maxFee_,
        uint32 callbackGas_,
        uint16 minFeeBps_,
        uint16 maxFeeBps_,
        uint16 initialFeeBps,
        uint16 feeStepBps_
    ) InferenceConsumer(coordinator_) Ownable(msg.sender) {
        if (address(token0_) == address(0) || address(token1_) == address(0) || address(token0_) == address(token1_)) {
            revert InvalidTokens(address(token0_), address(token1_));
        }
        if (minFeeBps_ > initialFeeBps || initialFeeBps > maxFeeBps_ || maxFeeBps_ >= BPS) {
            revert InvalidFeeBounds(minFeeBps_, initialFeeBps, maxFeeBps_);
        }
        token0 = token0_;
        token1 = token1_;
        modelId = modelId_;
        maxFee = maxFee_;
        callbackGas = callbackGas_;
        minFeeBps = minFeeBps_;
        maxFeeBps = maxFeeBps_;
        feeStepBps = feeStepBps_;
        feeBps = initialFeeBps;
    }

    // ------------------------------------------------------------------------------ liquidity

    /// @notice Deposits `amount0` of token0 and the matching token1 (at most `maxAmount1`; the
    ///         first deposit takes exactly `maxAmount1` and so sets the price).
    function addLiquidity(uint256 amount0, uint256 maxAmount1)
        external
        nonReentrant
        returns (uint256 shares, uint256 amount1)
    {
        if (amount0 == 0 || maxAmount1 == 0) revert ZeroAmount();
        uint256 total = totalShares;
        if (total == 0) {
            amount1 = maxAmount1;
            shares = Math.sqrt(amount0 * amount1);
        } else {
            amount1 = Math.mulDiv(amount0, reserve1, reserve0, Math.Rounding.Ceil);
            if (amount1 > maxAmount1) revert SlippageExceeded(amount1, maxAmount1);
            shares = amount0 * total / reserve0;
        }
        if (shares == 0) revert ZeroAmount();
        reserve0 += amount0;
        reserve1 += amount1;
        totalShares = total + shares;
        sharesOf[msg.sender] += shares;
        emit LiquidityAdded(msg.sender, amount0, amount1, shares);
        token0.safeTransferFrom(msg.sender, address(this), amount0);
        token1.safeTransferFrom(msg.sender, address(this), amount1);
    }

    /// @notice Burns `shares` of the caller's and pays its part of both reserves.
    function removeLiquidity(uint256 shares) external nonReentrant returns (uint256 amount0, uint256 amount1) {
        uint256 held = sharesOf[msg.sender];
        if (shares == 0) revert ZeroAmount();
        if (shares > held) revert InsufficientShares(shares, held);
        uint256 total = totalShares;
        amount0 = reserve0 * shares / total;
        amount1 = reserve1 * shares / total;
        sharesOf[msg.sender] = held - shares;
        totalShares = total - shares;
        reserve0 -= amount0;
        reserve1 -= amount1;
        emit LiquidityRemoved(msg.sender, amount0, amount1, shares);
        token0.safeTransfer(msg.sender, amount0);
        token1.safeTransfer(msg.sender, amount1);
    }

    // ----------------------------------------------------------------------------------- swap

    /// @notice Swaps `amountIn` of `tokenIn` (token0 or token1) for the other token, at least
    ///         `minOut` of it, paying the current fee; records the new price if the last one is at
    ///         least `OBSERVATION_INTERVAL` old. `price` in `Swapped` is the new price either way.
    function swap(IERC20 tokenIn, uint256 amountIn, uint256 minOut) external nonReentrant returns (uint256 amountOut) {
        bool zeroForOne = tokenIn == token0;
        if (!zeroForOne && tokenIn != token1) revert UnknownToken(address(tokenIn));
        if (amountIn == 0) revert ZeroAmount();
        (uint256 rIn, uint256 rOut) = zeroForOne ? (reserve0, reserve1) : (reserve1, reserve0);
        uint256 afterFee = amountIn * (BPS - feeBps) / BPS;
        amountOut = rOut * afterFee / (rIn + afterFee);
        if (amountOut == 0 || amountOut < minOut) revert SlippageExceeded(amountOut, minOut);
        (reserve0, reserve1) = zeroForOne ? (rIn + amountIn, rOut - amountOut) : (rOut - amountOut, rIn + amountIn);
        uint256 price = _observePrice();
        emit Swapped(msg.sender, address(tokenIn), amountIn, amountOut, price);
        tokenIn.safeTransferFrom(msg.sender, address(this), amountIn);
        (zeroForOne ? token1 : token0).safeTransfer(msg.sender, amountOut);
    }

    // -------------------------------------------------------------------------------- deposit

    /// @notice Takes `amount` of the pool's unreserved coordinator deposit back and pays it to
    ///         `to` (owner only).
    function withdrawDeposit(address to, uint256 amount) external onlyOwner nonReentrant {
        coordinator.withdraw(amount); // reverts unless `amount` is unreserved deposit
        emit DepositWithdrawn(to, amount);
        coordinator.token().safeTransfer(to, amount);
    }

    // ----------------------------------------------------------------------------- fee update

    /// @notice Asks the `amm-fee` model for a new fee from the recorded prices (rules above).
    function requestFeeUpdate() external returns (uint256 requestId) {
        uint256 pending = pendingRequest;
        if (pending != 0 && block.timestamp < pendingSince + REQUEST_TTL) {
            revert FeeUpdatePending(pending, pendingSince + REQUEST_TTL);
        }
        uint256 count = priceCount;
        if (count < MIN_PRICES) revert NotEnoughPrices(count, MIN_PRICES);
        if (count == pricesAtLastRequest) revert NoNewPrices(count);
        int256[8] memory micros = features();
        int256[] memory values = new int256[](8);
        for (uint256 i = 0; i < 8; i++) {
            values[i] = micros[i];
        }
        requestId = _request(modelId, VerinferTensors.row("features", values), maxFee, callbackGas);
        pendingRequest = requestId;
        pendingSince = block.timestamp;
        pricesAtLastRequest = count;
        emit FeeUpdateRequested(requestId, micros);
    }

    /// @notice Ends the pending fee request that nobody answered by the coordinator's deadline
    ///         (anyone may call, with the ticket of the request's latest event): its reserve goes
    ///         back to this pool's deposit and a new request may be made at once.
    function cancelUnanswered(CoordinatorRecords.Ticket calldata ticket) external {
        uint256 pending = pendingRequest;
        if (pending == 0) revert NoPendingRequest();
        _cancel(pending, ticket); // the coordinator checks the ticket and the deadline
        pendingRequest = 0;
        pricesAtLastRequest = 0;
        emit FeeRequestCancelled(pending);
    }

    /// @notice Decodes a model output to its first value (6-decimal fixed point); reverts on
    ///         anything that is not canonical FP32 tensor bytes with a finite first value.
    /// @dev External so the callback can `try` it: a bad output must not revert the callback.
    function decodeFee(bytes calldata output) external pure returns (int256) {
        return VerinferTensors.firstValue(output);
    }

    function _onResult(uint256 requestId, bytes calldata output) internal override {
        if (requestId != pendingRequest) {
            emit StaleFeeResult(requestId); // abandoned after REQUEST_TTL
            return;
        }
        pendingRequest = 0;
        try this.decodeFee(output) returns (int256 raw) {
            uint16 previous = feeBps;
            uint16 candidate = _clampFee(raw);
            uint16 distance = candidate > previous ? candidate - previous : previous - candidate;
            uint16 applied = distance >= feeStepBps ? candidate : previous;
            feeBps = applied;
            emit FeeUpdated(requestId, raw, previous, applied);
        } catch {
            emit FeeOutputRejected(requestId);
        }
    }

    /// @dev `raw` (bps, 6 decimals) rounded half up to whole bps and clamped to the bounds.
    function _clampFee(int256 raw) private view returns (uint16) {
        int256 lo = int256(uint256(minFeeBps));
        int256 hi = int256(uint256(maxFeeBps));
        if (raw <= lo * 1e6) return minFeeBps;
        if (raw >= hi * 1e6) return maxFeeBps;
        return uint16(uint256((raw + 500_000) / 1e6));
    }

    // ---------------------------------------------------------------------------- price record

    function _observePrice() private returns (uint256 price) {
        price = reserve1 * WAD / reserve0;
        if (price == 0 || price > type(uint128).max) revert PriceOutOfRange(price);
        uint256 last = lastObservedAt;
        if (last != 0 && block.timestamp < last + OBSERVATION_INTERVAL) return price;
        lastObservedAt = block.timestamp;
        uint256 count = priceCount;
        _prices[count % PRICE_SLOTS] = uint128(price);
        priceCount = count + 1;
    }

    /// @notice The recorded prices (wad), oldest first: the last min(priceCount, 65).
    function recentPrices() public view returns (uint256[] memory prices) {
        uint256 count = priceCount;
        uint256 m = count < PRICE_SLOTS ? count : PRICE_SLOTS;
        prices = new uint256[](m);
        for (uint256 i = 0; i < m; i++) {
            prices[i] = _prices[(count - m + i) % PRICE_SLOTS];
        }
    }

    // ------------------------------------------------------------------------------- features

    /// @notice The `amm-fee` input for the recorded prices, in 6-decimal fixed point (truncated),
    ///         as `AmmFeatures.fromPrices` defines it: from the n = min(priceCount, 65) − 1 ≤ 64 log
    ///         returns r_t = ln(p_t / p_{t−1}) and ε = 1e-5 —
    ///         0 ln(ε + √(mean r²)); 1 the same over the last min(16, n) returns; 2 over the last
    ///         min(4, n); 3 ln(ε + |Σ r|); 4 ln(ε + max drawdown of ln p); 5 ln(ε + (max p − min p)
    ///         / mean p); 6 ln(ε + mean |r|); 7 max |r| / (ε + √(mean r²)). Computed in wad.
    function features() public view returns (int256[8] memory micros) {
        uint256[] memory p = recentPrices();
        if (p.length < MIN_PRICES) revert NotEnoughPrices(p.length, MIN_PRICES);
        uint256 n = p.length - 1;
        (int256[] memory r, ReturnStats memory s) = _returns(p);
        uint256 vol = _rms(r, n);
        int256[8] memory wad = [
            _logEps(vol),
            _logEps(_rms(r, n < 16 ? n : 16)),
            _logEps(_rms(r, n < 4 ? n : 4)),
            _logEps(FixedPointMath.abs(s.sum)),
            _logEps(s.drawdown),
            _logEps(_relativeRange(p)),
            _logEps(s.absSum / n),
            int256(s.maxAbs * WAD / (EPSILON + vol))
        ];
        for (uint256 i = 0; i < 8; i++) {
            micros[i] = wad[i] / WAD_PER_MICRO;
        }
    }

    /// @dev The log returns of `p` and their sum, absolute sum, largest |r| and the largest fall
    ///      of ln p from its running peak. Each return is the logarithm of a ratio of at least 1
    ///      (negated for a fall), so no ratio rounds to zero whatever two recorded prices meet.
    function _returns(uint256[] memory p) private pure returns (int256[] memory r, ReturnStats memory s) {
        uint256 n = p.length - 1;
        r = new int256[](n);
        int256 peak = 0; // ln p relative to ln p_0: only differences matter
        (int256 sum, uint256 absSum, uint256 maxAbs, uint256 drawdown) = (0, 0, 0, 0);
        for (uint256 t = 0; t < n; t++) {
            (uint256 a, uint256 b) = (p[t], p[t + 1]);
            int256 rt = b >= a ? FixedPointMath.ln(int256(b * WAD / a)) : -FixedPointMath.ln(int256(a * WAD / b));
            r[t] = rt;
            // unchecked: prices are in [1, 2^128], so |r| < 2^7 wad and 64 of them sum far from any limit
            unchecked {
                sum += rt;
                uint256 abs = FixedPointMath.abs(rt);
                absSum += abs;
                if (abs > maxAbs) maxAbs = abs;
                if (sum > peak) peak = sum;
                if (uint256(peak - sum) > drawdown) drawdown = uint256(peak - sum);
            }
        }
        s = ReturnStats(sum, absSum, maxAbs, drawdown);
    }

    /// @dev Root mean square of the last `count` returns (wad).
    function _rms(int256[] memory r, uint256 count) private pure returns (uint256) {
        uint256 squares = 0; // 36 decimals
        // unchecked: |r| < 2^7 wad, so a square is below 2^134 and 64 of them below 2^140
        unchecked {
            for (uint256 t = r.length - count; t < r.length; t++) {
                squares += uint256(r[t] * r[t]);
            }
        }
        return FixedPointMath.sqrt(squares / count / WAD);
    }

    /// @dev (max p − min p) / mean p, wad.
    function _relativeRange(uint256[] memory p) private pure returns (uint256) {
        uint256 lo = type(uint256).max;
        uint256 hi = 0;
        uint256 sum = 0;
        for (uint256 i = 0; i < p.length; i++) {
            uint256 price = p[i];
            if (price < lo) lo = price;
            if (price > hi) hi = price;
            sum += price;
        }
        return (hi - lo) * WAD * p.length / sum;
    }

    function _logEps(uint256 v) private pure returns (int256) {
        return FixedPointMath.ln(int256(EPSILON + v));
    }
}
