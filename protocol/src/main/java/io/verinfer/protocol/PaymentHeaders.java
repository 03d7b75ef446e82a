package io.verinfer.protocol;

import java.math.BigInteger;

/**
 * The HTTP header forms of a signed voucher (request header {@value #VOUCHER}) and a signed receipt
 * (response header {@value #RECEIPT}): dot-separated, versioned, no whitespace.
 *
 * <pre>
 *   voucher: v1.{consumer}.{provider}.{modelId}.{cumulativeAmount}.{cumulativeCalls}.{r‖vs}
 *   receipt: v1.{consumer}.{provider}.{modelId}.{inputHash}.{outputHash}.{cumulativeAmount}.{cumulativeCalls}.{r‖vs}
 * </pre>
 *
 * Addresses and hashes are 0x-hex, numbers decimal, the signature the 64-byte EIP-2098 compact form
 * as 0x-hex. Parsing is strict: anything else is an {@link IllegalArgumentException} naming the
 * part at fault.
 */
public final class PaymentHeaders {
  public static final String VOUCHER = "X-Verinfer-Voucher";
  public static final String RECEIPT = "X-Verinfer-Receipt";
  private static final String VERSION = "v1";

  private PaymentHeaders() {}

  public static String encode(SignedVoucher signed) {
    Voucher v = signed.voucher();
    return String.join(
        ".",
        VERSION,
        v.consumer().value(),
        v.provider().value(),
        Long.toString(v.modelId().value()),
        v.cumulativeAmount().baseUnits().toString(),
        Long.toString(v.cumulativeCalls()),
        compact(signed.signature()));
  }

  public static SignedVoucher decodeVoucher(String header) {
    String[] p = split(header, 7, "voucher");
    return new SignedVoucher(
        new Voucher(
            address(p[1], "consumer"),
            address(p[2], "provider"),
            ModelId.of(number(p[3], "modelId").longValueExact()),
            TokenAmount.of(number(p[4], "cumulativeAmount")),
            number(p[5], "cumulativeCalls").longValueExact()),
        signature(p[6]));
  }

  public static String encode(SignedReceipt signed) {
    Receipt r = signed.receipt();
    return String.join(
        ".",
        VERSION,
        r.consumer().value(),
        r.provider().value(),
        Long.toString(r.modelId().value()),
        r.inputHash().hex(),
        r.outputHash().hex(),
        r.cumulativeAmount().baseUnits().toString(),
        Long.toString(r.cumulativeCalls()),
        compact(signed.signature()));
  }

  public static SignedReceipt decodeReceipt(String header) {
    String[] p = split(header, 9, "receipt");
    return new SignedReceipt(
        new Receipt(
            address(p[1], "consumer"),
            address(p[2], "provider"),
            ModelId.of(number(p[3], "modelId").longValueExact()),
            hash(p[4], "inputHash"),
            hash(p[5], "outputHash"),
            TokenAmount.of(number(p[6], "cumulativeAmount")),
            number(p[7], "cumulativeCalls").longValueExact()),
        signature(p[8]));
  }

  private static String compact(Signature s) {
    return s.r().hex() + s.vs().hex().substring(2);
  }

  private static String[] split(String header, int parts, String what) {
    if (header == null || header.isBlank()) {
      throw new IllegalArgumentException("the " + what + " header is empty");
    }
    if (header.length() > 600) {
      throw new IllegalArgumentException("the " + what + " header is longer than 600 characters");
    }
    String[] p = header.trim().split("\\.", -1);
    if (p.length != parts || !p[0].equals(VERSION)) {
      throw new IllegalArgumentException(
          "the "
              + what
              + " header must be "
              + VERSION
              + " followed by "
              + (parts - 1)
              + " dot-separated parts");
    }
    return p;
  }

  private static Address address(String s, String field) {
    try {
      return Address.of(s);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + " is not an address: " + e.getMessage(), e);
    }
  }

  private static Bytes32 hash(String s, String field) {
    try {
      return Bytes32.fromHex(s);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + " is not a 32-byte hex value", e);
    }
  }

  private static BigInteger number(String s, String field) {
    if (s.isEmpty() || s.length() > 40 || !Hex.allDigits(s, 0, 10)) {
      throw new IllegalArgumentException(
          field + " must be a non-negative decimal integer, got '" + s + "'");
    }
    BigInteger n = new BigInteger(s);
    if (n.bitLength() > 128) {
      throw new IllegalArgumentException(field + " does not fit in 128 bits");
    }
    return n;
  }

  private static Signature signature(String s) {
    if (s.length() != 130 || !s.startsWith("0x") || !Hex.allDigits(s, 2, 16)) {
      throw new IllegalArgumentException("signature must be 0x followed by 128 hex digits (r‖vs)");
    }
    return Signature.fromCompact(
        Bytes32.fromHex("0x" + s.substring(2, 66)), Bytes32.fromHex("0x" + s.substring(66)));
  }
}
