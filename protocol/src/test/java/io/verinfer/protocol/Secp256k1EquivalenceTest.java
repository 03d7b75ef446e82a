package io.verinfer.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;

/** Native libsecp256k1 and the pure-Java path must agree bit for bit. */
class Secp256k1EquivalenceTest {
  @Test
  void theNativeLibraryLoadsOnLinux() {
    String os = System.getProperty("os.name").toLowerCase();
    String arch = System.getProperty("os.arch");
    if (os.contains("linux") && (arch.equals("amd64") || arch.equals("aarch64"))) {
      assertThat(Secp256k1.isNative()).as("native secp256k1 on " + arch).isTrue();
    }
  }

  @Provide
  Arbitrary<BigInteger> keys() {
    return Arbitraries.bigIntegers()
        .between(BigInteger.ONE, SignatureVerifier.N.subtract(BigInteger.ONE));
  }

  @Property(tries = 300)
  void nativeSignaturesEqualPureJavaOnes(
      @ForAll("keys") BigInteger key, @ForAll("keys") BigInteger digestValue) {
    LocalKeySigner signer = LocalKeySigner.of(ECKeyPair.create(key));
    Bytes32 digest = Bytes32.fromUnsigned(digestValue);
    Signature fast = signer.sign(digest);
    assertThat(fast).isEqualTo(signer.signPureJava(digest));
    assertThat(SignatureVerifier.recover(digest, fast)).contains(signer.address());
  }

  @Property(tries = 300)
  void nativeRecoveryEqualsPureJavaEvenOnNonsense(
      @ForAll("keys") BigInteger digestValue,
      @ForAll("keys") BigInteger r,
      @ForAll("keys") BigInteger s,
      @ForAll @IntRange(min = 27, max = 28) int v) {
    Bytes32 digest = Bytes32.fromUnsigned(digestValue);
    BigInteger lowS =
        s.compareTo(SignatureVerifier.HALF_N) > 0 ? SignatureVerifier.N.subtract(s) : s;
    assertThat(
            SignatureVerifier.recover(
                digest, v, Bytes32.fromUnsigned(r), Bytes32.fromUnsigned(lowS)))
        .isEqualTo(SignatureVerifier.recoverPureJava(digest, v, Bytes32.fromUnsigned(r), r, lowS));
  }
}
