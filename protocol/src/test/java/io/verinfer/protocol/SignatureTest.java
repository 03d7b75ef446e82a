package io.verinfer.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class SignatureTest {

  @Property
  void compactRoundTrips(@ForAll("lowSSignatures") Signature sig) {
    assertThat(Signature.fromCompact(sig.r(), sig.vs())).isEqualTo(sig);
    assertThat(sig.vs().bytes()[0] < 0).isEqualTo(sig.v() == 28);
  }

  @Property
  void bytes65RoundTrips(@ForAll("signatures") Signature sig) {
    byte[] bytes = sig.toBytes65();
    assertThat(bytes).hasSize(65);
    assertThat(bytes[64]).isEqualTo((byte) sig.v());
    assertThat(Signature.fromBytes65(bytes)).isEqualTo(sig);
    bytes[64] = (byte) (sig.v() - 27);
    assertThat(Signature.fromBytes65(bytes)).isEqualTo(sig);
  }

  @Property
  void anyVsExpandsAndCompactsBack(@ForAll("bytes32s") Bytes32 r, @ForAll("bytes32s") Bytes32 vs) {
    assertThat(Signature.fromCompact(r, vs).vs()).isEqualTo(vs);
  }

  @Test
  void knownCompactExampleFromEip2098() {
    // EIP-2098 test case 2 (v = 28).
    Signature sig =
        new Signature(
            Bytes32.fromHex("0x9328da16089fcba9bececa81663203989f2df5fe1faa6291a45381c81bd17f76"),
            Bytes32.fromHex("0x139c6d6b623b42da56557e5e734a43dc83345ddfadec52cbe24d0cc64f550793"),
            28);
    assertThat(sig.vs().hex())
        .isEqualTo("0x939c6d6b623b42da56557e5e734a43dc83345ddfadec52cbe24d0cc64f550793");
  }

  @Test
  void rejectsBadVAndLengths() {
    assertThatThrownBy(() -> new Signature(Bytes32.ZERO, Bytes32.ZERO, 29))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("v must be 27 or 28, got 29");
    byte[] bytes = new byte[65];
    bytes[64] = 2;
    assertThatThrownBy(() -> Signature.fromBytes65(bytes))
        .hasMessageContaining("v byte must be 0, 1, 27 or 28, got 2");
    assertThatThrownBy(() -> Signature.fromBytes65(new byte[64]))
        .hasMessageContaining("exactly 65 bytes");
  }

  @Test
  void highTopBitSHasNoCompactForm() {
    Bytes32 highS = Bytes32.fromUnsigned(SignatureVerifier.N.subtract(BigInteger.ONE));
    Signature sig = new Signature(Bytes32.ZERO, highS, 27);
    assertThatThrownBy(sig::vs)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no compact form");
  }

  @Provide
  Arbitrary<Bytes32> bytes32s() {
    return Generators.bytes32s();
  }

  @Provide
  Arbitrary<Signature> signatures() {
    return Combinators.combine(Generators.bytes32s(), Generators.bytes32s(), Arbitraries.of(27, 28))
        .as(Signature::new);
  }

  @Provide
  Arbitrary<Signature> lowSSignatures() {
    return Combinators.combine(
            Generators.bytes32s(),
            Arbitraries.bigIntegers()
                .between(BigInteger.ZERO, SignatureVerifier.HALF_N)
                .map(Bytes32::fromUnsigned),
            Arbitraries.of(27, 28))
        .as(Signature::new);
  }
}
