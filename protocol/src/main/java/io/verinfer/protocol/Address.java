package io.verinfer.protocol;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

/**
 * A 20-byte Ethereum account or contract address, stored as {@code 0x} plus 40 lower-case hex
 * digits.
 *
 * <p>Input may be all lower case, all upper case, or mixed case; mixed case is treated as an EIP-55
 * checksum and rejected when the checksum does not match (the rule ethers.js and viem apply), so a
 * mistyped checksummed address is caught instead of silently paying someone else.
 *
 * @param value {@code 0x} followed by 40 lower-case hex digits
 */
public record Address(String value) {
  private static final HexFormat HEX = HexFormat.of();

  // Declared after HEX, which the constructor needs during class initialisation.
  /** The zero address, which Solidity uses for "nobody". */
  public static final Address ZERO = new Address("0x0000000000000000000000000000000000000000");

  /** Validates and normalises to lower case. */
  public Address {
    Objects.requireNonNull(value, "address must not be null");
    if (value.length() != 42 || !value.startsWith("0x") || !Hex.allDigits(value, 2, 16)) {
      throw new IllegalArgumentException(
          "address must be 0x followed by 40 hex digits, got '" + value + "'");
    }
    String body = value.substring(2);
    String lower = body.toLowerCase(Locale.ROOT);
    boolean mixedCase = !body.equals(lower) && !body.equals(body.toUpperCase(Locale.ROOT));
    if (mixedCase && !checksum(lower).equals(value)) {
      throw new IllegalArgumentException(
          "address '" + value + "' has an invalid EIP-55 checksum; expected " + checksum(lower));
    }
    value = "0x" + lower;
  }

  /** Parses an address; see the class comment for the accepted forms. */
  public static Address of(String value) {
    return new Address(value);
  }

  /** Wraps exactly 20 bytes. */
  public static Address of(byte[] bytes) {
    Objects.requireNonNull(bytes, "address bytes must not be null");
    if (bytes.length != 20) {
      throw new IllegalArgumentException(
          "address must be exactly 20 bytes, got " + bytes.length + " bytes");
    }
    return new Address("0x" + HEX.formatHex(bytes));
  }

  /** The 20 address bytes (a fresh copy). */
  public byte[] bytes() {
    return HEX.parseHex(value, 2, value.length());
  }

  /** The address as a left-zero-padded ABI word. */
  public Bytes32 toWord() {
    byte[] word = new byte[32];
    System.arraycopy(bytes(), 0, word, 12, 20);
    return Bytes32.of(word);
  }

  /** The EIP-55 mixed-case checksum form. */
  public String toChecksum() {
    return checksum(value.substring(2));
  }

  private static String checksum(String lowerHex) {
    String hash =
        Bytes32.keccak256(lowerHex.getBytes(StandardCharsets.US_ASCII)).hex().substring(2);
    StringBuilder out = new StringBuilder("0x");
    for (int i = 0; i < lowerHex.length(); i++) {
      char c = lowerHex.charAt(i);
      boolean upper = Character.digit(hash.charAt(i), 16) >= 8;
      out.append(upper ? Character.toUpperCase(c) : c);
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return value;
  }
}
