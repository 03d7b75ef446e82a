package io.verinfer.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.Optional;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECDSASignature;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

/** The rejection rules of OpenZeppelin 5.x {@code ECDSA.tryRecover}, one by one. */
class SignatureVerifierTest {
  private static final X9ECParameters CURVE = CustomNamedCurves.getByName("secp256k1");
  private static final BigInteger N = SignatureVerifier.N;
  private static final Signer SIGNER =
      LocalKeySigner.fromPrivateKeyHex(
          "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");
  private static final Bytes32 DIGEST = Bytes32.keccak256(new byte[] {1, 2, 3});
  private static final Signature VALID = SIGNER.sign(DIGEST);

  @Property
  void signThenRecoverAgreesWithWeb3j(
      @ForAll("signers") LocalKeySigner signer, @ForAll("bytes32s") Bytes32 digest) {
    Signature sig = signer.sign(digest);

    assertThat(sig.s().toUnsignedBigInteger()).isLessThanOrEqualTo(SignatureVerifier.HALF_N);
    assertThat(SignatureVerifier.recover(digest, sig)).contains(signer.address());
    assertThat(SignatureVerifier.recover(digest, sig.r(), sig.vs())).contains(signer.address());
    BigInteger web3jKey =
        Sign.recoverFromSignature(
            sig.v() - 27,
            new ECDSASignature(sig.r().toUnsignedBigInteger(), sig.s().toUnsignedBigInteger()),
            digest.bytes());
    assertThat(Address.of("0x" + Keys.getAddress(web3jKey))).isEqualTo(signer.address());
  }

  @Property
  void highSTwinIsRejected(
      @ForAll("signers") LocalKeySigner signer, @ForAll("bytes32s") Bytes32 digest) {
    Signature sig = signer.sign(digest);
    BigInteger twinS = N.subtract(sig.s().toUnsignedBigInteger());
    int twinV = sig.v() == 27 ? 28 : 27;

    // The twin is a mathematically valid signature by the same key ...
    BigInteger key =
        Sign.recoverFromSignature(
            twinV - 27, new ECDSASignature(sig.r().toUnsignedBigInteger(), twinS), digest.bytes());
    assertThat(Address.of("0x" + Keys.getAddress(key))).isEqualTo(signer.address());
    // ... which OpenZeppelin refuses (InvalidSignatureS), and so do we.
    assertThat(SignatureVerifier.recover(digest, twinV, sig.r(), Bytes32.fromUnsigned(twinS)))
        .isEmpty();
  }

  @Test
  void halfOrderIsOpenZeppelinsConstant() {
    assertThat(Bytes32.fromUnsigned(SignatureVerifier.HALF_N).hex())
        .isEqualTo("0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0");
  }

  @Test
  void validSignatureRecovers() {
    assertThat(SIGNER.address().toChecksum())
        .isEqualTo("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23");
    assertThat(SignatureVerifier.recover(DIGEST, VALID)).contains(SIGNER.address());
  }

  @Test
  void rejectsVOtherThan27Or28() {
    for (int v : new int[] {0, 1, 26, 29, 35, 37}) {
      assertThat(SignatureVerifier.recover(DIGEST, v, VALID.r(), VALID.s())).isEmpty();
    }
  }

  @Test
  void rejectsROutOfRange() {
    for (BigInteger r : new BigInteger[] {BigInteger.ZERO, N, N.add(BigInteger.ONE)}) {
      assertThat(recover(r, VALID.s().toUnsignedBigInteger(), 27)).isEmpty();
      assertThat(recover(r, VALID.s().toUnsignedBigInteger(), 28)).isEmpty();
    }
  }

  @Test
  void rejectsSZeroAndSAboveHalfOrder() {
    BigInteger r = VALID.r().toUnsignedBigInteger();
    assertThat(recover(r, BigInteger.ZERO, VALID.v())).isEmpty();
    assertThat(recover(r, SignatureVerifier.HALF_N, VALID.v())).isPresent();
    assertThat(recover(r, SignatureVerifier.HALF_N.add(BigInteger.ONE), VALID.v())).isEmpty();
    assertThat(recover(r, N.subtract(BigInteger.ONE), VALID.v())).isEmpty();
  }

  @Test
  void rejectsRThatIsNotOnTheCurve() {
    BigInteger x = BigInteger.ONE;
    while (isOnCurve(x)) {
      x = x.add(BigInteger.ONE);
    }
    assertThat(recover(x, BigInteger.ONE, 27)).isEmpty();
    assertThat(recover(x, BigInteger.ONE, 28)).isEmpty();
  }

  @Test
  void rejectsRecoveryToThePointAtInfinity() {
    // With R = G (r = Gx, even y so v = 27) and s = e = 1, Q = r⁻¹(sR − eG) = r⁻¹(G − G) = ∞.
    ECPoint g = CURVE.getG().normalize();
    assertThat(g.getAffineYCoord().toBigInteger().testBit(0)).isFalse();
    Bytes32 one = Bytes32.fromUnsigned(BigInteger.ONE);
    Bytes32 r = Bytes32.fromUnsigned(g.getAffineXCoord().toBigInteger());
    assertThat(SignatureVerifier.recover(one, 27, r, one)).isEmpty();
    // The other parity is a genuine key, so the rule above is what rejected it.
    assertThat(SignatureVerifier.recover(one, 28, r, one)).isPresent();
  }

  private static Optional<Address> recover(BigInteger r, BigInteger s, int v) {
    return SignatureVerifier.recover(DIGEST, v, Bytes32.fromUnsigned(r), Bytes32.fromUnsigned(s));
  }

  private static boolean isOnCurve(BigInteger x) {
    byte[] compressed = new byte[33];
    compressed[0] = 2;
    System.arraycopy(Bytes32.fromUnsigned(x).bytes(), 0, compressed, 1, 32);
    try {
      CURVE.getCurve().decodePoint(compressed);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  @Provide
  Arbitrary<LocalKeySigner> signers() {
    return Generators.signers();
  }

  @Provide
  Arbitrary<Bytes32> bytes32s() {
    return Generators.bytes32s();
  }
}
