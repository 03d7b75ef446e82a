package io.verinfer.protocol;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECPoint;

/**
 * Recovers the signer of a digest exactly as OpenZeppelin 5.x {@code ECDSA.tryRecover} does on
 * chain, so a signature this class accepts is one the contracts accept and vice versa.
 *
 * <p>{@code recover} returns empty (OpenZeppelin: {@code InvalidSignatureS} or {@code
 * InvalidSignature}) when any of these holds:
 *
 * <ol>
 *   <li>{@code s > secp256k1n / 2} (malleable high-s twin; this also covers {@code s ≥ n});
 *   <li>{@code v} is neither 27 nor 28;
 *   <li>{@code r == 0} or {@code r ≥ n}, or {@code s == 0} (the {@code ecrecover} precompile
 *       rejects these);
 *   <li>{@code r} is not the x coordinate of a curve point, or the recovered key is the point at
 *       infinity ({@code ecrecover} returns nothing);
 *   <li>the recovered address is the zero address.
 * </ol>
 *
 * <p>The nonce point's x coordinate is taken to be {@code r} itself, never {@code r + n}, as the
 * precompile does. Recovery is implemented here on BouncyCastle rather than delegated, so that
 * these rules are explicit and the point at infinity is not mistaken for a key.
 */
public final class SignatureVerifier {
  private static final X9ECParameters CURVE = CustomNamedCurves.getByName("secp256k1");

  /** The order of the secp256k1 group. */
  public static final BigInteger N = CURVE.getN();

  /** {@code N / 2}, the largest {@code s} OpenZeppelin accepts. */
  public static final BigInteger HALF_N = N.shiftRight(1);

  private SignatureVerifier() {}

  /** The signer of {@code digest}, or empty if OpenZeppelin would reject the signature. */
  public static Optional<Address> recover(Bytes32 digest, Signature signature) {
    Objects.requireNonNull(signature, "signature must not be null");
    return recover(digest, signature.v(), signature.r(), signature.s());
  }

  /** Mirror of {@code ECDSA.tryRecover(hash, r, vs)}, the EIP-2098 compact form. */
  public static Optional<Address> recover(Bytes32 digest, Bytes32 r, Bytes32 vs) {
    return recover(digest, Signature.fromCompact(r, vs));
  }

  /** Mirror of {@code ECDSA.tryRecover(hash, v, r, s)} for any {@code v}. */
  public static Optional<Address> recover(Bytes32 digest, int v, Bytes32 r, Bytes32 s) {
    Objects.requireNonNull(digest, "digest must not be null");
    Objects.requireNonNull(r, "r must not be null");
    Objects.requireNonNull(s, "s must not be null");
    BigInteger rr = r.toUnsignedBigInteger();
    BigInteger ss = s.toUnsignedBigInteger();
    if (ss.compareTo(HALF_N) > 0) {
      return Optional.empty();
    }
    if (v != 27 && v != 28) {
      return Optional.empty();
    }
    if (rr.signum() == 0 || rr.compareTo(N) >= 0 || ss.signum() == 0) {
      return Optional.empty();
    }
    Optional<Optional<Address>> fast =
        Secp256k1.recoverNative(digest.unsafeBytes(), r.unsafeBytes(), s.unsafeBytes(), v);
    if (fast.isPresent()) {
      return fast.get();
    }
    return recoverPureJava(digest, v, r, rr, ss);
  }

  /** The same recovery in pure Java (BouncyCastle), for platforms without the native library. */
  static Optional<Address> recoverPureJava(
      Bytes32 digest, int v, Bytes32 r, BigInteger rr, BigInteger ss) {
    byte[] compressed = new byte[33];
    compressed[0] = (byte) (v == 27 ? 0x02 : 0x03);
    System.arraycopy(r.unsafeBytes(), 0, compressed, 1, 32);
    ECPoint nonce;
    try {
      nonce = CURVE.getCurve().decodePoint(compressed);
    } catch (IllegalArgumentException notOnCurve) {
      return Optional.empty();
    }
    BigInteger e = digest.toUnsignedBigInteger().mod(N);
    BigInteger rInv = rr.modInverse(N);
    BigInteger u1 = N.subtract(e).multiply(rInv).mod(N);
    BigInteger u2 = ss.multiply(rInv).mod(N);
    ECPoint key = ECAlgorithms.sumOfTwoMultiplies(CURVE.getG(), u1, nonce, u2).normalize();
    if (key.isInfinity()) {
      return Optional.empty();
    }
    byte[] encoded = key.getEncoded(false);
    byte[] hash = Bytes32.keccak256(Arrays.copyOfRange(encoded, 1, encoded.length)).unsafeBytes();
    Address signer = Address.of(Arrays.copyOfRange(hash, 12, 32));
    return signer.equals(Address.ZERO) ? Optional.empty() : Optional.of(signer);
  }
}
