package io.verinfer.protocol;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A non-negative amount of the Verinfer token in base units (1 token = 10^18 base units, like wei
 * to ether). Arithmetic is exact; {@link #toString()} prints base units.
 *
 * @param baseUnits the amount in base units, never negative
 */
public record TokenAmount(BigInteger baseUnits) implements Comparable<TokenAmount> {
  /** Decimals of the token. */
  public static final int DECIMALS = 18;

  /** Nothing. */
  public static final TokenAmount ZERO = new TokenAmount(BigInteger.ZERO);

  /** The largest Solidity {@code uint128}, the on-chain width of voucher amounts. */
  public static final BigInteger UINT128_MAX =
      BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);

  private static final Pattern DECIMAL = Pattern.compile("([0-9]+)(?:\\.([0-9]+))?");

  /** Validates that the amount is present and not negative. */
  public TokenAmount {
    Objects.requireNonNull(baseUnits, "baseUnits must not be null");
    if (baseUnits.signum() < 0) {
      throw new IllegalArgumentException("baseUnits must not be negative, got " + baseUnits);
    }
  }

  /** An amount in base units. */
  public static TokenAmount of(long baseUnits) {
    return new TokenAmount(BigInteger.valueOf(baseUnits));
  }

  /** An amount in base units. */
  public static TokenAmount of(BigInteger baseUnits) {
    return new TokenAmount(baseUnits);
  }

  /**
   * Parses a plain decimal number of whole tokens, such as {@code "12"} or {@code
   * "0.000000000000000001"}, exactly. Signs, exponents, separators and more than 18 fractional
   * digits are rejected.
   */
  public static TokenAmount ofTokens(String decimal) {
    Objects.requireNonNull(decimal, "token amount must not be null");
    var m = DECIMAL.matcher(decimal);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "token amount must be a plain non-negative decimal like 1.5, got '" + decimal + "'");
    }
    String fraction = m.group(2) == null ? "" : m.group(2);
    if (fraction.length() > DECIMALS) {
      throw new IllegalArgumentException(
          "token amount has "
              + fraction.length()
              + " fractional digits, at most "
              + DECIMALS
              + " allowed: '"
              + decimal
              + "'");
    }
    String padded = fraction + "0".repeat(DECIMALS - fraction.length());
    return new TokenAmount(new BigInteger(m.group(1) + padded));
  }

  /** The amount in whole tokens as a plain decimal without trailing zeros, e.g. {@code "1.5"}. */
  public String toTokens() {
    BigDecimal tokens = new BigDecimal(baseUnits, DECIMALS).stripTrailingZeros();
    return tokens.signum() == 0 ? "0" : tokens.toPlainString();
  }

  /** The sum. */
  public TokenAmount plus(TokenAmount other) {
    Objects.requireNonNull(other, "other must not be null");
    return new TokenAmount(baseUnits.add(other.baseUnits));
  }

  /** The difference; throws {@link IllegalArgumentException} if {@code other} is larger. */
  public TokenAmount minus(TokenAmount other) {
    Objects.requireNonNull(other, "other must not be null");
    if (other.baseUnits.compareTo(baseUnits) > 0) {
      throw new IllegalArgumentException(
          "cannot subtract " + other + " from " + this + ": the result would be negative");
    }
    return new TokenAmount(baseUnits.subtract(other.baseUnits));
  }

  /** The amount multiplied by a non-negative factor. */
  public TokenAmount times(long factor) {
    if (factor < 0) {
      throw new IllegalArgumentException("factor must not be negative, got " + factor);
    }
    return new TokenAmount(baseUnits.multiply(BigInteger.valueOf(factor)));
  }

  /** Whether the amount is zero. */
  public boolean isZero() {
    return baseUnits.signum() == 0;
  }

  /** Whether the amount fits a Solidity {@code uint128}. */
  public boolean fitsUint128() {
    return baseUnits.bitLength() <= 128;
  }

  @Override
  public int compareTo(TokenAmount other) {
    return baseUnits.compareTo(other.baseUnits);
  }

  /** The amount in base units, e.g. {@code "1500000000000000000"}. */
  @Override
  public String toString() {
    return baseUnits.toString();
  }
}
