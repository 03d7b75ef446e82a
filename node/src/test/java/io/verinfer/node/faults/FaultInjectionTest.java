package io.verinfer.node.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FaultInjectionTest {
  @ParameterizedTest
  @ValueSource(
      doubles = {
        -0.01,
        1.0001,
        2,
        -1,
        Double.NaN,
        Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY
      })
  void aFractionOutsideZeroToOneIsRefusedNamingTheField(double fraction) {
    assertThatThrownBy(() -> new FaultInjection(fraction, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("faults.corruptFraction")
        .hasMessageContaining(Double.toString(fraction));
  }

  @ParameterizedTest
  @ValueSource(doubles = {0, 0.001, 0.25, 1})
  void aFractionFromZeroToOneIsAccepted(double fraction) {
    assertThat(new FaultInjection(fraction, -5).corruptFraction()).isEqualTo(fraction);
  }

  @Test
  void noneCorruptsNothing() {
    assertThat(FaultInjection.none().active()).isFalse();
    assertThat(new FaultInjection(0.0, 9).active()).isFalse();
    assertThat(new FaultInjection(0.001, 9).active()).isTrue();
  }

  @Test
  void percentIsWrittenForPeople() {
    assertThat(new FaultInjection(0.25, 0).percent()).isEqualTo("25");
    assertThat(new FaultInjection(1, 0).percent()).isEqualTo("100");
    assertThat(new FaultInjection(0.005, 0).percent()).isEqualTo("0.5");
  }

  @Test
  void theDevnetIsAllowed() {
    assertThatCode(() -> FaultInjection.requireAllowedOn(31_337)).doesNotThrowAnyException();
    assertThat(FaultInjection.DEVNET_CHAIN_ID).isEqualTo(31_337);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 10, 8453, 11_155_111, 1337, 0, -31_337})
  void everyOtherChainIsRefusedNamingTheFieldAndTheChain(long chainId) {
    assertThatThrownBy(() -> FaultInjection.requireAllowedOn(chainId))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("faults.corruptFraction")
        .hasMessageContaining("not on chain " + chainId)
        .hasMessageContaining("31337");
  }
}
