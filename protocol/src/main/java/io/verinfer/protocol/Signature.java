package io.verinfer.protocol;

import java.util.Arrays;
import java.util.Objects;

/**
 * A secp256k1 ECDSA signature in Ethereum form. The record can hold any {@code r}/{@code s} so that
 * untrusted input can be represented and then rejected by {@link SignatureVerifier}; only {@code v}
 * is checked here. The Verinfer contracts take the EIP-2098 compact form ({@code r}, {@link
 * #vs()}).
 *
 * @param r the x coordinate of the nonce point, as 32 bytes
 * @param s the proof scalar, as 32 bytes
 * @param v the recovery id plus 27: 27 for an even nonce-point y, 28 for odd
 */
public record Signature(Bytes32 r, Bytes32 s, int v) {
  /** Validates the fields. */
  public Signature {
    Objects.requireNonNull(r, "r must not be null");
    Objects.requireNonNull(s, "s must not be null");
    if (v != 27 && v != 28) {
      throw new IllegalArgumentException("v must be 27 or 28, got " + v);
    }
  }

  /**
   * EIP-2098 {@code vs}: {@code s} with its top bit set to {@code v − 27}. Throws {@link
   * IllegalStateException} if {@code s} already uses the top bit, which no canonical (low-s)
   * signature does.
   */
  public Bytes32 vs() {
    byte[] out = s.bytes();
    if ((out[0] & 0x80) != 0) {
      throw new IllegalStateException(
          "s has its top bit set, so this (non-canonical, high-s) signature has no compact form");
    }
    if (v == 28) {
      out[0] |= (byte) 0x80;
    }
    return Bytes32.of(out);
  }

  /**
   * Expands the EIP-2098 compact form, as OpenZeppelin's {@code ECDSA.tryRecover(hash, r, vs)}
   * does.
   */
  public static Signature fromCompact(Bytes32 r, Bytes32 vs) {
    Objects.requireNonNull(r, "r must not be null");
    byte[] s = Objects.requireNonNull(vs, "vs must not be null").bytes();
    int v = 27 + ((s[0] & 0xff) >>> 7);
    s[0] &= 0x7f;
    return new Signature(r, Bytes32.of(s), v);
  }

  /**
   * The 65-byte form {@code r ‖ s ‖ v} with {@code v} as 27 or 28 (what {@code eth_sign} returns).
   */
  public byte[] toBytes65() {
    byte[] out = new byte[65];
    System.arraycopy(r.unsafeBytes(), 0, out, 0, 32);
    System.arraycopy(s.unsafeBytes(), 0, out, 32, 32);
    out[64] = (byte) v;
    return out;
  }

  /** Parses {@code r ‖ s ‖ v}; the last byte may be 27/28 or 0/1. */
  public static Signature fromBytes65(byte[] bytes) {
    Objects.requireNonNull(bytes, "signature bytes must not be null");
    if (bytes.length != 65) {
      throw new IllegalArgumentException(
          "signature must be exactly 65 bytes (r, s, v), got " + bytes.length + " bytes");
    }
    int v = bytes[64] & 0xff;
    if (v == 0 || v == 1) {
      v += 27;
    } else if (v != 27 && v != 28) {
      throw new IllegalArgumentException("signature v byte must be 0, 1, 27 or 28, got " + v);
    }
    return new Signature(
        Bytes32.of(Arrays.copyOfRange(bytes, 0, 32)),
        Bytes32.of(Arrays.copyOfRange(bytes, 32, 64)),
        v);
  }
}
