package io.verinfer.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Locale;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AddressTest {

  /** The examples from the EIP-55 specification, in checksum form. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "0x52908400098527886E0F7030069857D2E4169EE7",
        "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        "0xde709f2102306220921060314715629080e2fb77",
        "0x27b1fdb04752bbc536007a920d24acb045561c26",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"
      })
  void eip55Examples(String checksummed) {
    Address lower = Address.of(checksummed.toLowerCase(Locale.ROOT));
    assertThat(lower.toChecksum()).isEqualTo(checksummed);
    assertThat(Address.of(checksummed)).isEqualTo(lower);
    assertThat(lower.value()).isEqualTo(checksummed.toLowerCase(Locale.ROOT));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "0x",
        "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0X5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae",
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaedd",
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg"
      })
  void rejectsMalformed(String bad) {
    assertThatThrownBy(() -> Address.of(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("address must be 0x followed by 40 hex digits");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d35A"
      })
  void rejectsMixedCaseWithWrongChecksum(String bad) {
    assertThatThrownBy(() -> Address.of(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid EIP-55 checksum");
  }

  @Property
  void bytesRoundTripAndChecksumParsesBack(@ForAll("addresses") Address address) {
    assertThat(Address.of(address.bytes())).isEqualTo(address);
    assertThat(Address.of(address.toChecksum())).isEqualTo(address);
    assertThat(Address.of(address.value().toUpperCase(Locale.ROOT).replace("0X", "0x")))
        .isEqualTo(address);
    assertThat(address.toWord().bytes()).startsWith(new byte[12]).endsWith(address.bytes());
  }

  @Test
  void zeroIsTwentyZeroBytes() {
    assertThat(Address.ZERO.bytes()).isEqualTo(new byte[20]);
  }

  @Test
  void wrongByteLengthNamesTheLength() {
    assertThatThrownBy(() -> Address.of(new byte[19]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exactly 20 bytes, got 19");
  }

  @Provide
  Arbitrary<Address> addresses() {
    return Generators.addresses();
  }
}
