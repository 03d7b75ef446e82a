package io.verinfer.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class Bytes32Test {

  @Property
  void hexAndIntegerRoundTrip(@ForAll("bytes32s") Bytes32 value) {
    assertThat(Bytes32.fromHex(value.hex())).isEqualTo(value).hasSameHashCodeAs(value);
    assertThat(Bytes32.fromHex(value.hex().toUpperCase().replace("0X", "0x"))).isEqualTo(value);
    assertThat(Bytes32.fromUnsigned(value.toUnsignedBigInteger())).isEqualTo(value);
    assertThat(value.toString()).isEqualTo(value.hex()).hasSize(66);
  }

  @Test
  void isDefensive() {
    byte[] source = new byte[32];
    Bytes32 value = Bytes32.of(source);
    source[0] = 1;
    value.bytes()[1] = 1;
    assertThat(value).isEqualTo(Bytes32.ZERO);
  }

  @Test
  void rejectsWrongSizes() {
    assertThatThrownBy(() -> Bytes32.of(new byte[31]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exactly 32 bytes, got 31");
    assertThatThrownBy(() -> Bytes32.fromHex("0x00"))
        .hasMessageContaining("0x followed by 64 hex digits");
    assertThatThrownBy(() -> Bytes32.fromHex("00".repeat(33)))
        .hasMessageContaining("0x followed by 64 hex digits");
    assertThatThrownBy(() -> Bytes32.fromHex("0x" + "zz".repeat(32)))
        .hasMessageContaining("0x followed by 64 hex digits");
    assertThatThrownBy(() -> Bytes32.fromUnsigned(BigInteger.ONE.shiftLeft(256)))
        .hasMessageContaining("[0, 2^256)");
    assertThatThrownBy(() -> Bytes32.fromUnsigned(BigInteger.valueOf(-1)))
        .hasMessageContaining("[0, 2^256)");
  }

  @Test
  void keccakOfEmptyIsTheWellKnownConstant() {
    assertThat(Bytes32.keccak256(new byte[0]).hex())
        .isEqualTo("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  }

  @Provide
  Arbitrary<Bytes32> bytes32s() {
    return Generators.bytes32s();
  }
}
