package io.verinfer.protocol;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.web3j.crypto.Hash;

/**
 * An immutable 32-byte value: a hash, a Solidity {@code bytes32}, or a 256-bit word. Prints as
 * {@code 0x} followed by 64 lower-case hex digits.
 */
public final class Bytes32 {
  /** Thirty-two zero bytes. */
  public static final Bytes32 ZERO = new Bytes32(new byte[32]);

  static final int LENGTH = 32;
  private static final HexFormat HEX = HexFormat.of();

  private final byte[] bytes;

  private Bytes32(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Copies exactly 32 bytes. */
  public static Bytes32 of(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes32 must not be null");
    if (bytes.length != LENGTH) {
      throw new IllegalArgumentException(
          "bytes32 must be exactly 32 bytes, got " + bytes.length + " bytes");
    }
    return new Bytes32(bytes.clone());
  }

  /** Parses {@code 0x} followed by exactly 64 hex digits (either case). */
  public static Bytes32 fromHex(String hex) {
    Objects.requireNonNull(hex, "bytes32 hex must not be null");
    if (!hex.startsWith("0x") || hex.length() != 2 + 2 * LENGTH) {
      throw new IllegalArgumentException(
          "bytes32 hex must be 0x followed by 64 hex digits, got '" + hex + "'");
    }
    try {
      return new Bytes32(HEX.parseHex(hex, 2, hex.length()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "bytes32 hex must be 0x followed by 64 hex digits, got '" + hex + "'", e);
    }
  }

  /**
   * Encodes a non-negative integer below 2^256 as a big-endian, left-zero-padded word (Solidity
   * {@code uint256}).
   */
  public static Bytes32 fromUnsigned(BigInteger value) {
    Objects.requireNonNull(value, "uint256 value must not be null");
    if (value.signum() < 0 || value.bitLength() > 256) {
      throw new IllegalArgumentException("uint256 value must be in [0, 2^256), got " + value);
    }
    byte[] raw = value.toByteArray();
    byte[] word = new byte[LENGTH];
    int copy = Math.min(raw.length, LENGTH);
    System.arraycopy(raw, raw.length - copy, word, LENGTH - copy, copy);
    return new Bytes32(word);
  }

  /** Keccak-256 (the Ethereum hash, not NIST SHA3-256) of {@code data}. */
  public static Bytes32 keccak256(byte[] data) {
    return new Bytes32(Hash.sha3(Objects.requireNonNull(data, "data must not be null")));
  }

  /** A defensive copy of the 32 bytes. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** The bytes read as a big-endian unsigned integer. */
  public BigInteger toUnsignedBigInteger() {
    return new BigInteger(1, bytes);
  }

  /** {@code 0x} followed by 64 lower-case hex digits. */
  public String hex() {
    return "0x" + HEX.formatHex(bytes);
  }

  /** Package-internal read-only access that avoids a copy; callers must not mutate. */
  byte[] unsafeBytes() {
    return bytes;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Bytes32 other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return hex();
  }
}
