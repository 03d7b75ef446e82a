// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

/// @title OracleMath
/// @notice The availability oracle's arithmetic: the packed figure of one provider, per-provider
///         lower medians over the adapters' vectors, which adapter strayed how often, and the
///         report's Merkle tree (OpenZeppelin's sorted-pair `MerkleProof` hashing).
///
///         A packed figure is one uint64: `uptimeBps << 48 | latencyMs << 16 | canaryBps`
///         (uptime and canary pass rate in basis points, ≤ 10,000; latency in milliseconds,
///         `NO_LATENCY` when the provider never answered).
library OracleMath {
    uint32 internal constant NO_LATENCY = type(uint32).max;
    /// @notice Latencies within this many milliseconds of the median always agree.
    uint256 internal constant LATENCY_FLOOR_MS = 25;

    struct Signed {
        address adapter;
        uint64[] values;
        bytes signature;
    }

    function pack(uint16 uptimeBps, uint32 latencyMs, uint16 canaryBps) internal pure returns (uint64) {
        return (uint64(uptimeBps) << 48) | (uint64(latencyMs) << 16) | uint64(canaryBps);
    }

    function unpack(uint64 packed) internal pure returns (uint16 uptimeBps, uint32 latencyMs, uint16 canaryBps) {
        uptimeBps = uint16(packed >> 48);
        latencyMs = uint32(packed >> 16);
        canaryBps = uint16(packed);
    }

    function valid(uint64 packed) internal pure returns (bool) {
        (uint16 uptime,, uint16 canary) = unpack(packed);
        return uptime <= 10_000 && canary <= 10_000;
    }

    /// @notice Per provider the lower median of each figure, and per adapter the number of
    ///         providers on which its vector is out of tolerance of those medians.
    function aggregate(Signed[] calldata reports, uint256 n, uint256 toleranceBps, uint256 latencyToleranceBps)
        internal
        pure
        returns (uint64[] memory medians, uint256[] memory deviant)
    {
        uint256 k = reports.length;
        medians = new uint64[](n);
        deviant = new uint256[](k);
        uint256[] memory uptime = new uint256[](k);
        uint256[] memory latency = new uint256[](k);
        uint256[] memory canary = new uint256[](k);
        for (uint256 i = 0; i < n; i++) {
            for (uint256 j = 0; j < k; j++) {
                (uint16 u, uint32 lat, uint16 c) = unpack(reports[j].values[i]);
                uptime[j] = u;
                latency[j] = lat;
                canary[j] = c;
            }
            uint256 mu = lowerMedian(uptime);
            uint256 ml = lowerMedian(latency);
            uint256 mc = lowerMedian(canary);
            medians[i] = pack(uint16(mu), uint32(ml), uint16(mc));
            uint256 latencySlack = (ml * latencyToleranceBps) / 10_000;
            if (latencySlack < LATENCY_FLOOR_MS) latencySlack = LATENCY_FLOOR_MS;
            for (uint256 j = 0; j < k; j++) {
                (uint16 u, uint32 lat, uint16 c) = unpack(reports[j].values[i]);
                if (distance(u, mu) > toleranceBps || distance(c, mc) > toleranceBps || distance(lat, ml) > latencySlack) {
                    deviant[j] += 1;
                }
            }
        }
    }

    /// @notice The value at index ⌊(k − 1)/2⌋ of the sorted values (sorts `values` in place).
    function lowerMedian(uint256[] memory values) internal pure returns (uint256) {
        uint256 k = values.length;
        for (uint256 i = 1; i < k; i++) {
            uint256 v = values[i];
            uint256 j = i;
            while (j > 0 && values[j - 1] > v) {
                values[j] = values[j - 1];
                j--;
            }
            values[j] = v;
        }
        return values[(k - 1) / 2];
    }

    function distance(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a - b : b - a;
    }

    /// @notice A report leaf (double-hashed, so no inner node can pass for a leaf).
    function leaf(uint64 modelId, uint64 epoch, address provider, uint64 packed) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(modelId, epoch, provider, packed))));
    }

    /// @notice The root over the report's leaves in the providers' order; an odd node moves up.
    function root(uint64 modelId, uint64 epoch, address[] calldata providers, uint64[] memory medians)
        internal
        pure
        returns (bytes32)
    {
        uint256 n = providers.length;
        bytes32[] memory layer = new bytes32[](n);
        for (uint256 i = 0; i < n; i++) {
            layer[i] = leaf(modelId, epoch, providers[i], medians[i]);
        }
        while (n > 1) {
            uint256 half = (n + 1) / 2;
            for (uint256 i = 0; i < n / 2; i++) {
                layer[i] = Hashes.commutativeKeccak256(layer[2 * i], layer[2 * i + 1]);
            }
            if (n % 2 == 1) layer[half - 1] = layer[n - 1];
            n = half;
        }
        return layer[0];
    }

    function verify(bytes32[] calldata proof, bytes32 root_, bytes32 leaf_) internal pure returns (bool) {
        return MerkleProof.verifyCalldata(proof, root_, leaf_);
    }
}
