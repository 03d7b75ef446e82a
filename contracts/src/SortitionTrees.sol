// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title SortitionTrees
/// @notice Per-model stake-weighted sortition sum trees with epoch snapshots, for
///         `ProviderRegistry`.
///
///         Shape. Each model has a 4-ary tree: leaves at level 0 (one permanent leaf per
///         provider that ever listed the model, in order of first listing), every inner node the
///         sum of its four children, the root at the lowest level `D` with 4^D >= leaf count.
///         A node is one storage slot keyed by (model, level, index). Changing one leaf writes
///         D + 1 slots; a draw reads at most 4·D + 1 — O(log n) whatever the number of leaves.
///         Growing past 4^D copies the root slot one level up (its new siblings are empty).
///
///         Snapshots. Epoch = block.number / epochBlocks (fixed at deployment, 4 to 128 blocks:
///         a dispute's draw must fit in `blockhash`'s 256 blocks). Every slot (nodes and the leaf count)
///         packs {uint32 epoch of its last write; cur; prev = value at the end of epoch-1;
///         prev2 = value at the end of epoch-2}, 72 bits each. So the value "at the end of
///         epoch T" is readable in O(1) for T = current-1 and current-2: a draw started in
///         epoch e from the end of epoch e-1 stays exact until the end of epoch e+1.
abstract contract SortitionTrees {
    uint256 public constant MIN_EPOCH_BLOCKS = 4;
    uint256 public constant MAX_EPOCH_BLOCKS = 128;
    uint256 public immutable epochBlocks;
    uint256 private constant K = 4;
    uint256 private constant MASK72 = (1 << 72) - 1;

    mapping(uint64 modelId => mapping(uint256 levelAndIndex => uint256 packed)) private _nodes;
    mapping(uint64 modelId => uint256 packed) private _leafCount;
    mapping(uint64 modelId => mapping(address provider => uint256 indexPlusOne)) private _leafOf;
    mapping(uint64 modelId => mapping(uint256 index => address provider)) private _leafOwner;
    /// @dev Leaves with non-zero weight (eligible providers), packed like a node.
    mapping(uint64 modelId => uint256 packed) private _eligible;

    error SnapshotUnavailable(uint256 epoch, uint256 currentEpoch);
    error WeightTooLarge(uint256 weight);
    error EpochLengthOutOfRange(uint256 blocks, uint256 min, uint256 max);

    constructor(uint256 epochBlocks_) {
        if (epochBlocks_ < MIN_EPOCH_BLOCKS || epochBlocks_ > MAX_EPOCH_BLOCKS) {
            revert EpochLengthOutOfRange(epochBlocks_, MIN_EPOCH_BLOCKS, MAX_EPOCH_BLOCKS);
        }
        epochBlocks = epochBlocks_;
    }

    function currentEpoch() public view returns (uint256) {
        return block.number / epochBlocks;
    }

    /// @notice Total live weight of `modelId`'s eligible providers.
    function liveTotal(uint64 modelId) public view returns (uint256) {
        uint256 n = _cur(_leafCount[modelId]);
        if (n == 0) return 0;
        return _cur(_nodes[modelId][_key(_depth(n), 0)]);
    }

    /// @notice Leaves (providers that ever listed `modelId`).
    function leafCount(uint64 modelId) public view returns (uint256) {
        return _cur(_leafCount[modelId]);
    }

    /// @notice Providers of `modelId` with non-zero weight now.
    function liveEligible(uint64 modelId) public view returns (uint256) {
        return _cur(_eligible[modelId]);
    }

    /// @notice Providers of `modelId` with non-zero weight at the end of `epoch`.
    function eligibleAt(uint64 modelId, uint256 epoch) public view returns (uint256) {
        _checkEpoch(epoch);
        return _at(_eligible[modelId], epoch);
    }

    /// @notice `provider`'s live weight for `modelId`.
    function liveWeight(uint64 modelId, address provider) external view returns (uint256) {
        uint256 leaf = _leafOf[modelId][provider];
        return leaf == 0 ? 0 : _cur(_nodes[modelId][_key(0, leaf - 1)]);
    }

    /// @notice `provider`'s weight for `modelId` at the end of `epoch`.
    function weightAt(uint64 modelId, address provider, uint256 epoch) public view returns (uint256) {
        _checkEpoch(epoch);
        uint256 leaf = _leafOf[modelId][provider];
        return leaf == 0 ? 0 : _at(_nodes[modelId][_key(0, leaf - 1)], epoch);
    }

    /// @notice Total weight of `modelId` at the end of `epoch`.
    function totalAt(uint64 modelId, uint256 epoch) public view returns (uint256) {
        _checkEpoch(epoch);
        uint256 n = _at(_leafCount[modelId], epoch);
        if (n == 0) return 0;
        return _at(_nodes[modelId][_key(_depth(n), 0)], epoch);
    }

    /// @notice Draws one provider from the tree of `modelId` at the end of `epoch`, with weight
    ///         `r` < total − Σ excluded weights, skipping the leaves of `excluded` exactly (their
    ///         snapshot weights are taken out of every node above them).
    function drawAt(uint64 modelId, uint256 epoch, uint256 r, address[3] memory excluded)
        public
        view
        returns (address)
    {
        _checkEpoch(epoch);
        uint256 n = _at(_leafCount[modelId], epoch);
        if (n == 0) return address(0);
        uint256[3] memory xs;
        uint256[3] memory ws;
        for (uint256 i = 0; i < 3; i++) {
            uint256 leaf = excluded[i] == address(0) ? 0 : _leafOf[modelId][excluded[i]];
            bool dup = false;
            for (uint256 j = 0; j < i; j++) {
                if (excluded[j] == excluded[i]) dup = true;
            }
            if (leaf == 0 || dup) continue;
            xs[i] = leaf - 1;
            ws[i] = _at(_nodes[modelId][_key(0, leaf - 1)], epoch);
        }
        uint256 idx = 0;
        for (uint256 level = _depth(n); level > 0; level--) {
            uint256 first = idx * K;
            uint256 shift = 2 * (level - 1);
            for (uint256 c = first; c < first + K; c++) {
                uint256 v = _at(_nodes[modelId][_key(level - 1, c)], epoch);
                for (uint256 i = 0; i < 3; i++) {
                    if (ws[i] != 0 && xs[i] >> shift == c) v -= ws[i];
                }
                if (r < v || c == first + K - 1) {
                    idx = c;
                    break;
                }
                r -= v;
            }
        }
        return _leafOwner[modelId][idx];
    }

    function _leafAt(uint64 modelId, uint256 index) internal view returns (address) {
        return _leafOwner[modelId][index];
    }

    /// @dev One live draw: the leaf holding weight position `r` < liveTotal.
    function _drawLive(uint64 modelId, uint256 r) internal view returns (address) {
        uint256 n = _cur(_leafCount[modelId]);
        uint256 idx = 0;
        for (uint256 level = _depth(n); level > 0; level--) {
            uint256 first = idx * K;
            for (uint256 c = first; c < first + K; c++) {
                uint256 v = _cur(_nodes[modelId][_key(level - 1, c)]);
                if (r < v || c == first + K - 1) {
                    idx = c;
                    break;
                }
                r -= v;
            }
        }
        return _leafOwner[modelId][idx];
    }

    /// @dev Sets `provider`'s leaf weight for `modelId` (creating its leaf on first non-zero
    ///      weight) and moves every ancestor by the difference.
    function _setWeight(uint64 modelId, address provider, uint256 weight) internal {
        if (weight > MASK72) revert WeightTooLarge(weight);
        uint256 leaf = _leafOf[modelId][provider];
        uint256 n = _cur(_leafCount[modelId]);
        uint256 idx;
        if (leaf == 0) {
            if (weight == 0) return;
            idx = n;
            _leafOf[modelId][provider] = idx + 1;
            _leafOwner[modelId][idx] = provider;
            uint256 before = _depth(n);
            n += 1;
            _leafCount[modelId] = _write(_leafCount[modelId], n);
            uint256 after_ = _depth(n);
            if (after_ > before && n > 1) {
                mapping(uint256 => uint256) storage nodes = _nodes[modelId];
                nodes[_key(after_, 0)] = nodes[_key(before, 0)];
            }
        } else {
            idx = leaf - 1;
        }
        mapping(uint256 => uint256) storage tree = _nodes[modelId];
        uint256 old = _cur(tree[_key(0, idx)]);
        if (old == weight) return;
        if (old == 0 || weight == 0) {
            uint256 count = _cur(_eligible[modelId]);
            _eligible[modelId] = _write(_eligible[modelId], old == 0 ? count + 1 : count - 1);
        }
        uint256 depth = _depth(n);
        for (uint256 level = 0; level <= depth; level++) {
            uint256 key = _key(level, idx);
            uint256 packed = tree[key];
            tree[key] = _write(packed, _cur(packed) + weight - old);
            idx /= K;
        }
    }

    // ------------------------------------------------------------------------------ packing

    function _key(uint256 level, uint256 index) private pure returns (uint256) {
        return (level << 64) | index;
    }

    function _depth(uint256 n) private pure returns (uint256 d) {
        uint256 cap = 1;
        while (cap < n) {
            cap *= K;
            d++;
        }
    }

    function _checkEpoch(uint256 epoch) private view {
        uint256 e = currentEpoch();
        if (epoch >= e || epoch + 2 < e) revert SnapshotUnavailable(epoch, e);
    }

    function _cur(uint256 packed) private pure returns (uint256) {
        return (packed >> 32) & MASK72;
    }

    /// @dev The value at the end of `epoch` (< current epoch, >= current - 2).
    function _at(uint256 packed, uint256 epoch) private pure returns (uint256) {
        uint256 written = packed & 0xffffffff;
        if (written <= epoch) return (packed >> 32) & MASK72;
        if (written == epoch + 1) return (packed >> 104) & MASK72;
        return (packed >> 176) & MASK72;
    }

    /// @dev `packed` with `value` as the current-epoch value, older values rolled forward.
    function _write(uint256 packed, uint256 value) private view returns (uint256) {
        uint256 e = currentEpoch();
        uint256 written = packed & 0xffffffff;
        uint256 cur = (packed >> 32) & MASK72;
        uint256 prev = (packed >> 104) & MASK72;
        uint256 prev2 = (packed >> 176) & MASK72;
        if (written + 1 == e) {
            prev2 = prev;
            prev = cur;
        } else if (written + 2 == e) {
            prev2 = cur;
            prev = cur;
        } else if (written < e) {
            prev2 = cur;
            prev = cur;
        }
        return e | (value << 32) | (prev << 104) | (prev2 << 176);
    }
}
