package io.verinfer.chain.gov;

import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes governed values the way people write them: basis points ({@code 1500} or {@code
 * 15%}), VRF ({@code 150} or {@code 150VRF}, or base units {@code 150000wei}), durations ({@code
 * 90s}, {@code 10m}, {@code 2h}, {@code 7d}, or plain seconds), counts and addresses. The result is
 * always the exact integer the contract receives.
 */
public final class GovValue {
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(s|m|min|h|d)?");
  private static final Pattern PERCENT = Pattern.compile("(\\d+(?:\\.\\d{1,2})?)%");

  private GovValue() {}

  /** Parses {@code text} for {@code param}; throws IllegalArgumentException naming the field. */
  public static BigInteger parse(GovParam param, String text) {
    String t = text.trim();
    if (t.isEmpty()) {
      throw new IllegalArgumentException(param.key + ": a value is required");
    }
    try {
      return switch (param.kind) {
        case BPS -> bps(t);
        case UINT8, UINT32, UINT48, UINT256 ->
            param == GovParam.QUORUM_BPS ? bps(t) : new BigInteger(t);
        case SECONDS, SECONDS256 -> seconds(t);
        case TOKENS, TOKENS256 -> tokens(t);
        case ADDRESS -> new BigInteger(Address.of(t).value().substring(2), 16);
      };
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          param.key + ": '" + text + "' is not a " + describe(param.kind), e);
    }
  }

  /** Checks the value fits the setter's Solidity type (the contract checks the bounds). */
  public static void checkFits(GovParam param, BigInteger value) {
    if (value.signum() < 0 || value.bitLength() > param.kind.bits) {
      throw new IllegalArgumentException(
          param.key + ": " + value + " does not fit a " + param.kind.solidityType);
    }
  }

  /** Formats an exact on-chain value for people (the inverse of {@link #parse}). */
  public static String format(GovParam param, BigInteger value) {
    return switch (param.kind) {
      case BPS -> value + " bps (" + percent(value) + ")";
      case UINT256 ->
          param == GovParam.QUORUM_BPS ? value + " bps (" + percent(value) + ")" : "" + value;
      case UINT48, UINT32 ->
          param.holder == GovParam.Holder.GOVERNOR ? value + " blocks" : value.toString();
      case UINT8 -> value.toString();
      // a proposal made elsewhere may carry any uint: decoding it must not throw
      case SECONDS, SECONDS256 ->
          value.bitLength() < Long.SIZE ? duration(value.longValueExact()) : value + " s";
      case TOKENS, TOKENS256 -> TokenAmount.of(value).toTokens() + " VRF";
      case ADDRESS -> Address.of(String.format("0x%040x", value)).value();
    };
  }

  static String percent(BigInteger bps) {
    return new java.math.BigDecimal(bps).movePointLeft(2).stripTrailingZeros().toPlainString()
        + "%";
  }

  static String duration(long seconds) {
    if (seconds != 0 && seconds % 86_400 == 0) return seconds / 86_400 + " d";
    if (seconds != 0 && seconds % 3_600 == 0) return seconds / 3_600 + " h";
    if (seconds != 0 && seconds % 60 == 0) return seconds / 60 + " min";
    return seconds + " s";
  }

  private static BigInteger bps(String t) {
    Matcher m = PERCENT.matcher(t);
    if (m.matches()) {
      return new java.math.BigDecimal(m.group(1)).movePointRight(2).toBigIntegerExact();
    }
    return new BigInteger(t.toLowerCase(Locale.ROOT).replace("bps", "").trim());
  }

  private static BigInteger seconds(String t) {
    Matcher m = DURATION.matcher(t.toLowerCase(Locale.ROOT));
    if (!m.matches()) throw new NumberFormatException(t);
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    long factor =
        switch (unit) {
          case "m", "min" -> 60;
          case "h" -> 3_600;
          case "d" -> 86_400;
          default -> 1;
        };
    return BigInteger.valueOf(Math.multiplyExact(n, factor));
  }

  private static BigInteger tokens(String t) {
    String lower = t.toLowerCase(Locale.ROOT);
    if (lower.endsWith("wei")) {
      return new BigInteger(lower.substring(0, lower.length() - 3).trim());
    }
    if (lower.endsWith("vrf")) {
      lower = lower.substring(0, lower.length() - 3).trim();
    }
    return TokenAmount.ofTokens(lower).baseUnits();
  }

  private static String describe(GovParam.Kind kind) {
    return switch (kind) {
      case BPS -> "number of basis points (e.g. 1500 or 15%)";
      case SECONDS, SECONDS256 -> "duration (e.g. 90s, 10m, 2h, 7d)";
      case TOKENS, TOKENS256 -> "VRF amount (e.g. 150, 0.5VRF or 1000wei)";
      case ADDRESS -> "0x address";
      default -> "whole number";
    };
  }
}
