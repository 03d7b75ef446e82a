// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title VerinferTensors
/// @notice Builds and reads Verinfer's canonical tensor bytes ("VTN1") in Solidity, for models
///         whose input is one FP32 row and whose output starts with an FP32 value. Numbers cross
///         the boundary as fixed point with 6 decimals (1.5 is 1_500_000); conversion to and from
///         IEEE-754 binary32 truncates towards zero (a float has 24 significant bits).
///
///         Layout (all integers little-endian): "VTN1", u32 tensor count, then per tensor in the
///         byte order of their names: u16 name length, name, u8 datatype (7 = FP32), u8 rank,
///         rank × u64 dimensions, the elements.
library VerinferTensors {
    uint8 internal constant FP32 = 7;
    int256 internal constant ONE = 1e6;

    error NotCanonicalTensors();
    error NotFp32(uint8 datatype);
    error ValueOutOfRange(int256 value);

    /// @notice One FP32 tensor `name` of shape [1, values.length] from 6-decimal fixed point.
    function row(string memory name, int256[] memory values) internal pure returns (bytes memory out) {
        bytes memory n = bytes(name);
        bytes memory head = abi.encodePacked(
            "VTN1", _le32(1), _le16(uint16(n.length)), n, FP32, uint8(2), _le64(1), _le64(uint64(values.length))
        );
        uint256 h = head.length;
        out = new bytes(h + 4 * values.length);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mcopy(add(out, 32), add(head, 32), h)
        }
        for (uint256 i = 0; i < values.length; i++) {
            bytes4 le = _le32(toFloat32(values[i]));
            // ascending 32-byte stores: each writes its 4 bytes and zeros the next 28, which the
            // following element overwrites (past the end is free memory)
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                mstore(add(add(out, 32), add(h, mul(4, i))), le)
            }
        }
    }

    /// @notice The first element of the first tensor (FP32) as 6-decimal fixed point.
    function firstValue(bytes memory tensors) internal pure returns (int256) {
        if (tensors.length < 8 || bytes4(_slice4(tensors, 0)) != bytes4("VTN1")) revert NotCanonicalTensors();
        uint256 p = 8; // magic + count
        uint256 nameLength = uint8(tensors[p]) | (uint256(uint8(tensors[p + 1])) << 8);
        p += 2 + nameLength;
        if (tensors.length < p + 2) revert NotCanonicalTensors();
        uint8 datatype = uint8(tensors[p]);
        if (datatype != FP32) revert NotFp32(datatype);
        uint256 rank = uint8(tensors[p + 1]);
        p += 2 + 8 * rank;
        if (tensors.length < p + 4) revert NotCanonicalTensors();
        uint32 bits = uint32(uint8(tensors[p])) | (uint32(uint8(tensors[p + 1])) << 8)
            | (uint32(uint8(tensors[p + 2])) << 16) | (uint32(uint8(tensors[p + 3])) << 24);
        return fromFloat32(bits);
    }

    /// @notice IEEE-754 binary32 bits of `value` / 1e6 (truncated; |value| < 2^100).
    function toFloat32(int256 value) internal pure returns (uint32) {
        if (value == 0) return 0;
        uint32 sign = value < 0 ? 0x80000000 : 0;
        uint256 magnitude = uint256(value < 0 ? -value : value);
        if (magnitude >= 1 << 100) revert ValueOutOfRange(value);
        // q = |value| / 1e6 in fixed point with 128 fraction bits; its top bit sets the exponent
        uint256 q = (magnitude << 128) / uint256(ONE);
        if (q == 0) return sign; // below the smallest float this library writes
        uint256 msb = _msb(q);
        int256 exponent = int256(msb) - 128;
        if (exponent < -126) return sign; // subnormal: written as zero
        uint256 mantissa = msb >= 23 ? (q >> (msb - 23)) & 0x7FFFFF : (q << (23 - msb)) & 0x7FFFFF;
        return sign | (uint32(uint256(exponent + 127)) << 23) | uint32(mantissa);
    }

    /// @notice `bits` (IEEE-754 binary32) as 6-decimal fixed point, truncated; NaN and infinities
    ///         revert.
    function fromFloat32(uint32 bits) internal pure returns (int256) {
        uint256 exponent = (bits >> 23) & 0xFF;
        if (exponent == 0xFF) revert ValueOutOfRange(int256(uint256(bits)));
        uint256 mantissa = bits & 0x7FFFFF;
        uint256 significand = exponent == 0 ? mantissa << 1 : mantissa | 0x800000; // value = s·2^(e−150)
        uint256 scaled = significand * uint256(ONE);
        int256 shift = int256(exponent) - 150;
        uint256 magnitude = shift >= 0 ? scaled << uint256(shift) : scaled >> uint256(-shift);
        return bits & 0x80000000 != 0 ? -int256(magnitude) : int256(magnitude);
    }

    /// @dev Index of the highest set bit (x > 0), by halving the search range (unrolled).
    function _msb(uint256 x) private pure returns (uint256 r) {
        if (x >= 1 << 128) { x >>= 128; r += 128; }
        if (x >= 1 << 64) { x >>= 64; r += 64; }
        if (x >= 1 << 32) { x >>= 32; r += 32; }
        if (x >= 1 << 16) { x >>= 16; r += 16; }
        if (x >= 1 << 8) { x >>= 8; r += 8; }
        if (x >= 1 << 4) { x >>= 4; r += 4; }
        if (x >= 1 << 2) { x >>= 2; r += 2; }
        if (x >= 1 << 1) r += 1;
    }

    function _slice4(bytes memory b, uint256 at) private pure returns (bytes4 out) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            out := mload(add(add(b, 32), at))
        }
    }

    function _le16(uint16 v) private pure returns (bytes2) {
        return bytes2(uint16((v >> 8) | (v << 8)));
    }

    function _le32(uint32 v) private pure returns (bytes4) {
        v = ((v & 0xFF00FF00) >> 8) | ((v & 0x00FF00FF) << 8);
        return bytes4((v >> 16) | (v << 16));
    }

    function _le64(uint64 v) private pure returns (bytes8) {
        v = ((v & 0xFF00FF00FF00FF00) >> 8) | ((v & 0x00FF00FF00FF00FF) << 8);
        v = ((v & 0xFFFF0000FFFF0000) >> 16) | ((v & 0x0000FFFF0000FFFF) << 16);
        return bytes8((v >> 32) | (v << 32));
    }
}
