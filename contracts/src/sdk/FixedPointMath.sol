// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title FixedPointMath
/// @notice Natural logarithm and square root on 18-decimal fixed point ("wad": 1.0 is 1e18), for
///         computing a model's input features on-chain from prices, balances or rates.
///
///         Accuracy. `ln` is within about 2e-18 of the true value plus 3e-19 per factor of two
///         away from 1 (the rounding of ln 2), i.e. below 1e-16 absolute for any input a price
///         feed produces; `sqrt` rounds down, so it is within 1e-18 absolute. Both are far finer
///         than the float32 a model reads (24 significant bits, about 6e-8 relative).
library FixedPointMath {
    int256 internal constant WAD = 1e18;
    /// @notice ln 2 in wad, rounded to nearest (0.693147180559945309417…).
    int256 internal constant LN2 = 693_147_180_559_945_309;
    /// @dev 1/√2 in wad: a mantissa below it is doubled, so the series argument |z| stays ≤ 0.172.
    uint256 private constant HALF_SQRT2 = 707_106_781_186_547_524;

    error LnOfNonPositive(int256 x);

    /// @notice ln(x) for x > 0, both in wad (ln(1e18) = 0; ln(2e18) = 693147180559945309).
    /// @dev Writes x = m · 2^k with m in [1/√2, 1.153) wad, then ln x = k·ln 2 + 2·atanh(z) with
    ///      z = (m − 1)/(m + 1), summing z^(2i+1)/(2i+1) until a term rounds to zero (at most 12
    ///      terms; 2 or 3 for ratios near 1, such as consecutive prices).
    function ln(int256 x) internal pure returns (int256) {
        if (x <= 0) revert LnOfNonPositive(x);
        uint256 ux = uint256(x);
        // unchecked: k is in [-59, 196], m < 2^61, |z| and z2 below 1e18, every product below 1e36
        unchecked {
            // 2^59 < 1e18 < 2^60: this k puts m in [2^59, 2^60), i.e. [0.576, 1.153) wad
            int256 k = int256(Math.log2(ux)) - 59;
            uint256 m = k >= 0 ? ux >> uint256(k) : ux << uint256(-k);
            if (m < HALF_SQRT2) {
                m <<= 1;
                k -= 1;
            }
            int256 z = (int256(m) - WAD) * WAD / (int256(m) + WAD);
            int256 z2 = z * z / WAD;
            int256 term = z;
            int256 sum = z;
            for (int256 d = 3; term != 0; d += 2) {
                term = term * z2 / WAD;
                sum += term / d;
            }
            return 2 * sum + k * LN2;
        }
    }

    /// @notice √x in wad, rounded down (x < 1.15e59, i.e. x · 1e18 fits 256 bits).
    function sqrt(uint256 x) internal pure returns (uint256) {
        return Math.sqrt(x * uint256(WAD));
    }

    /// @notice |x| as an unsigned number (defined for every int256, including the minimum).
    function abs(int256 x) internal pure returns (uint256) {
        return x >= 0 ? uint256(x) : uint256(-(x + 1)) + 1;
    }
}
