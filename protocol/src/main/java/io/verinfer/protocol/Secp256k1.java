package io.verinfer.protocol;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Optional;
import org.bouncycastle.util.BigIntegers;
import org.web3j.crypto.Hash;

/**
 * The secp256k1 operations signing and recovery need, backed by native libsecp256k1 (through
 * ACINQ's secp256k1-kmp, whose jar carries the Linux natives) when it loads, and by pure Java
 * (web3j / BouncyCastle) otherwise. Both give identical results; native is ~10× faster here.
 */
final class Secp256k1 {
  private static final System.Logger LOG = System.getLogger(Secp256k1.class.getName());
  private static final fr.acinq.secp256k1.Secp256k1 NATIVE = loadNative();

  private Secp256k1() {}

  private static fr.acinq.secp256k1.Secp256k1 loadNative() {
    if (Boolean.getBoolean("verinfer.secp256k1.pureJava")) {
      return null;
    }
    try {
      fr.acinq.secp256k1.Secp256k1 lib = fr.acinq.secp256k1.Secp256k1.Companion.get();
      lib.pubkeyCreate(BigIntegers.asUnsignedByteArray(32, BigInteger.ONE)); // prove it works
      return lib;
    } catch (RuntimeException | LinkageError e) {
      LOG.log(
          System.Logger.Level.INFO,
          "native libsecp256k1 unavailable (" + e + "); using pure-Java secp256k1");
      return null;
    }
  }

  /** Whether the native library is in use. */
  static boolean isNative() {
    return NATIVE != null;
  }

  /**
   * Signs a 32-byte digest with RFC 6979 nonces, low-s; empty when the native library is absent
   * (callers then use the pure-Java path).
   */
  static Optional<Signature> signNative(
      byte[] digest, byte[] privateKey32, byte[] uncompressedPublicKey) {
    if (NATIVE == null) {
      return Optional.empty();
    }
    byte[] rs = NATIVE.sign(digest, privateKey32);
    // libsecp256k1 returns no recovery id: it is 0 if recovering with 0 gives our key, else 1 (2
    // and 3 need r >= n, probability about 2^-127). One recovery instead of up to two.
    int recid = Arrays.equals(NATIVE.ecdsaRecover(rs, digest, 0), uncompressedPublicKey) ? 0 : 1;
    return Optional.of(
        new Signature(
            Bytes32.of(Arrays.copyOfRange(rs, 0, 32)),
            Bytes32.of(Arrays.copyOfRange(rs, 32, 64)),
            27 + recid));
  }

  /**
   * Recovers the address for an (r, s, v) already checked against OpenZeppelin's rules; empty when
   * the native library is absent.
   */
  static Optional<Optional<Address>> recoverNative(byte[] digest, byte[] r, byte[] s, int v) {
    if (NATIVE == null) {
      return Optional.empty();
    }
    byte[] rs = new byte[64];
    System.arraycopy(r, 0, rs, 0, 32);
    System.arraycopy(s, 0, rs, 32, 32);
    try {
      byte[] pub = NATIVE.ecdsaRecover(rs, digest, v - 27);
      byte[] hash = Hash.sha3(Arrays.copyOfRange(pub, 1, 65));
      return Optional.of(Optional.of(Address.of(Arrays.copyOfRange(hash, 12, 32))));
    } catch (RuntimeException noPoint) {
      return Optional.of(Optional.empty());
    }
  }
}
