package io.verinfer.protocol;

import java.math.BigInteger;
import java.util.HexFormat;
import java.util.Objects;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

/**
 * A {@link Signer} over an in-memory private key, in pure Java (web3j, deterministic RFC 6979
 * nonces). {@link #toString()} shows the address only; error messages never include the key.
 */
public final class LocalKeySigner implements Signer {
  private final ECKeyPair keyPair;
  private final Address address;
  private final byte[] privateKey32;
  private final byte[] publicKey65;

  private LocalKeySigner(BigInteger privateKey) {
    if (privateKey.signum() <= 0 || privateKey.compareTo(SignatureVerifier.N) >= 0) {
      throw new IllegalArgumentException(
          "private key must be in [1, secp256k1n - 1]; the value given is not shown");
    }
    // Rebuilt from the private key so the public half can never disagree with it.
    this.keyPair = ECKeyPair.create(privateKey);
    this.address = Address.of("0x" + Keys.getAddress(keyPair));
    this.privateKey32 = org.bouncycastle.util.BigIntegers.asUnsignedByteArray(32, privateKey);
    this.publicKey65 = new byte[65];
    publicKey65[0] = 0x04;
    byte[] pub = org.bouncycastle.util.BigIntegers.asUnsignedByteArray(64, keyPair.getPublicKey());
    System.arraycopy(pub, 0, publicKey65, 1, 64);
  }

  /** A signer for the key pair's private key. */
  public static LocalKeySigner of(ECKeyPair keyPair) {
    Objects.requireNonNull(keyPair, "keyPair must not be null");
    return new LocalKeySigner(keyPair.getPrivateKey());
  }

  /** A signer for a private key given as 64 hex digits, optionally prefixed by {@code 0x}. */
  public static LocalKeySigner fromPrivateKeyHex(String privateKeyHex) {
    Objects.requireNonNull(privateKeyHex, "privateKeyHex must not be null");
    String hex = privateKeyHex.startsWith("0x") ? privateKeyHex.substring(2) : privateKeyHex;
    if (hex.length() != 64 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
      throw new IllegalArgumentException(
          "privateKeyHex must be 64 hex digits, optionally 0x-prefixed; the value given is not shown");
    }
    return new LocalKeySigner(new BigInteger(1, HexFormat.of().parseHex(hex)));
  }

  @Override
  public Address address() {
    return address;
  }

  @Override
  public Signature sign(Bytes32 digest) {
    Objects.requireNonNull(digest, "digest must not be null");
    var fast = Secp256k1.signNative(digest.bytes(), privateKey32, publicKey65);
    if (fast.isPresent()) {
      return fast.get();
    }
    return signPureJava(digest);
  }

  /** The pure-Java signature (web3j, RFC 6979): what the native path must reproduce. */
  Signature signPureJava(Bytes32 digest) {
    Sign.SignatureData data = Sign.signMessage(digest.bytes(), keyPair, false);
    return new Signature(Bytes32.of(data.getR()), Bytes32.of(data.getS()), data.getV()[0]);
  }

  @Override
  public String toString() {
    return "LocalKeySigner[address=" + address.toChecksum() + "]";
  }
}
