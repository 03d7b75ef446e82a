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
// The report's hot loops read 8-byte figures straight from calldata and sort in memory without
// bounds checks (ABI decoding cost ~6k gas per figure): every block below is memory-safe.
// solhint-disable no-inline-assembly
library OracleMath {
    uint32 internal constant NO_LATENCY = type(uint32).max;
    /// @notice Latencies within this many milliseconds of the median always agree.
    uint256 internal constant LATENCY_FLOOR_MS = 25;

    /// @notice One adapter's signed vector: `values` is the providers' packed figures, 8 bytes
    ///         each (big-endian uint64), in the report's provider order.
    struct Signed {
        address adapter;
        bytes values;
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

    /// @notice The `i`-th packed figure of a values vector (the caller checked the length).
    function at(bytes calldata values, uint256 i) internal pure returns (uint64 v) {
        assembly ("memory-safe") {
            v := shr(192, calldataload(add(values.offset, mul(i, 8))))
        }
    }

    /// @notice Per provider the lower median of each figure, and per adapter the number of
    ///         providers on which its vector is out of tolerance of those medians. Every vector
    ///         holds `n` valid figures (checked with the signatures).
    function aggregate(Signed[] calldata reports, uint256 n, uint256 toleranceBps, uint256 latencyToleranceBps)
        internal
        pure
        returns (uint64[] memory medians, uint256[] memory deviant)
    {
        uint256 k = reports.length;
        medians = new uint64[](n);
        deviant = new uint256[](k);
        uint256[] memory offsets = new uint256[](k);
        for (uint256 j = 0; j < k; j++) {
            bytes calldata values = reports[j].values;
            uint256 offset;
            assembly ("memory-safe") {
                offset := values.offset
            }
            offsets[j] = offset;
        }
        uint256[] memory uptime = new uint256[](k);
        uint256[] memory latency = new uint256[](k);
        uint256[] memory canary = new uint256[](k);
        uint256 m = (k - 1) / 2;
        unchecked {
            for (uint256 i = 0; i < n; i++) {
                for (uint256 j = 0; j < k; j++) {
                    uint256 v = _load(offsets, j, i);
                    _put(uptime, j, v >> 48);
                    _put(latency, j, (v >> 16) & 0xffffffff);
                    _put(canary, j, v & 0xffff);
                }
                uint256 mu = _select(uptime, k, m);
                uint256 ml = _select(latency, k, m);
                uint256 mc = _select(canary, k, m);
                medians[i] = pack(uint16(mu), uint32(ml), uint16(mc)); // each within its width
                uint256 latencySlack = (ml * latencyToleranceBps) / 10_000;
                if (latencySlack < LATENCY_FLOOR_MS) latencySlack = LATENCY_FLOOR_MS;
                for (uint256 j = 0; j < k; j++) {
                    uint256 v = _load(offsets, j, i);
                    if (
                        distance(v >> 48, mu) > toleranceBps || distance(v & 0xffff, mc) > toleranceBps
                            || distance((v >> 16) & 0xffffffff, ml) > latencySlack
                    ) {
                        deviant[j] += 1;
                    }
                }
            }
        }
    }

    /// @dev The `i`-th figure of the vector at calldata offset `offsets[j]`.
    function _load(uint256[] memory offsets, uint256 j, uint256 i) private pure returns (uint256 v) {
        assembly ("memory-safe") {
            let offset := mload(add(add(offsets, 0x20), mul(j, 0x20)))
            v := shr(192, calldataload(add(offset, mul(i, 8))))
        }
    }

    /// @dev `a[j] = v` without the bounds check (j < a.length by construction).
    function _put(uint256[] memory a, uint256 j, uint256 v) private pure {
        assembly ("memory-safe") {
            mstore(add(add(a, 0x20), mul(j, 0x20)), v)
        }
    }

    /// @dev The element of rank `m` among the first `k` of `a` (insertion sort in place).
    function _select(uint256[] memory a, uint256 k, uint256 m) private pure returns (uint256 r) {
        assembly ("memory-safe") {
            let base := add(a, 0x20)
            for { let i := 1 } lt(i, k) { i := add(i, 1) } {
                let v := mload(add(base, mul(i, 0x20)))
                let j := i
                for {} gt(j, 0) {} {
                    let prev := mload(add(base, mul(sub(j, 1), 0x20)))
                    if iszero(gt(prev, v)) { break }
                    mstore(add(base, mul(j, 0x20)), prev)
                    j := sub(j, 1)
                }
                mstore(add(base, mul(j, 0x20)), v)
            }
            r := mload(add(base, mul(m, 0x20)))
        }
    }

    function distance(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a - b : b - a;
    }

    /// @notice A report leaf (double-hashed, so no inner node can pass for a leaf):
    ///         keccak256(bytes.concat(keccak256(abi.encode(modelId, epoch, provider, packed)))).
    function leaf(uint64 modelId, uint64 epoch, address provider, uint64 packed) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let p := mload(0x40) // scratch above the free pointer, not allocated
            mstore(p, modelId)
            mstore(add(p, 0x20), epoch)
            mstore(add(p, 0x40), provider)
            mstore(add(p, 0x60), packed)
            mstore(p, keccak256(p, 0x80))
            h := keccak256(p, 0x20)
        }
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
