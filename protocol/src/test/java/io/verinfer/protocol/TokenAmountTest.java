package io.verinfer.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TokenAmountTest {

  @Test
  void parsesDecimalTokensExactly() {
    assertThat(TokenAmount.ofTokens("1")).isEqualTo(TokenAmount.of(1_000_000_000_000_000_000L));
    assertThat(TokenAmount.ofTokens("1.5").toString()).isEqualTo("1500000000000000000");
    assertThat(TokenAmount.ofTokens("0.000000000000000001")).isEqualTo(TokenAmount.of(1));
    assertThat(TokenAmount.ofTokens("0")).isEqualTo(TokenAmount.ZERO);
    assertThat(TokenAmount.ofTokens("007.10")).isEqualTo(TokenAmount.ofTokens("7.1"));
    assertThat(TokenAmount.of(1_500_000_000_000_000_000L).toTokens()).isEqualTo("1.5");
    assertThat(TokenAmount.ZERO.toTokens()).isEqualTo("0");
  }

  @Test
  void rejectsMoreThanEighteenFractionalDigits() {
    assertThatThrownBy(() -> TokenAmount.ofTokens("0.0000000000000000001"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("19 fractional digits, at most 18");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "-1", "+1", "1e18", ".5", "5.", "1,5", " 1", "1.5.0", "one"})
  void rejectsAnythingButPlainDecimals(String bad) {
    assertThatThrownBy(() -> TokenAmount.ofTokens(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("plain non-negative decimal");
  }

  @Test
  void rejectsNegativeAndNull() {
    assertThatThrownBy(() -> TokenAmount.of(-1))
        .hasMessageContaining("baseUnits must not be negative");
    assertThatThrownBy(() -> TokenAmount.of((BigInteger) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("baseUnits");
    assertThatThrownBy(() -> TokenAmount.of(5).minus(TokenAmount.of(6)))
        .hasMessageContaining("negative");
    assertThatThrownBy(() -> TokenAmount.of(5).times(-1)).hasMessageContaining("factor");
  }

  @Test
  void uint128Boundary() {
    assertThat(TokenAmount.of(TokenAmount.UINT128_MAX).fitsUint128()).isTrue();
    assertThat(TokenAmount.of(TokenAmount.UINT128_MAX.add(BigInteger.ONE)).fitsUint128()).isFalse();
  }

  @Property
  void tokenStringRoundTrips(@ForAll("amounts") TokenAmount amount) {
    assertThat(TokenAmount.ofTokens(amount.toTokens())).isEqualTo(amount);
    assertThat(TokenAmount.of(new BigInteger(amount.toString()))).isEqualTo(amount);
  }

  @Property
  void plusThenMinusIsIdentity(@ForAll("amounts") TokenAmount a, @ForAll("amounts") TokenAmount b) {
    TokenAmount sum = a.plus(b);
    assertThat(sum.minus(b)).isEqualTo(a);
    assertThat(sum.minus(a)).isEqualTo(b);
    assertThat(sum).isEqualByComparingTo(b.plus(a));
    assertThat(sum.compareTo(a)).isGreaterThanOrEqualTo(0);
  }

  @Property
  void minusNeverGoesNegative(@ForAll("amounts") TokenAmount a, @ForAll("amounts") TokenAmount b) {
    if (a.compareTo(b) >= 0) {
      assertThat(a.minus(b).plus(b)).isEqualTo(a);
    } else {
      assertThatThrownBy(() -> a.minus(b)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Property
  void timesIsRepeatedAddition(
      @ForAll("amounts") TokenAmount a, @ForAll @IntRange(min = 0, max = 20) int n) {
    TokenAmount sum = TokenAmount.ZERO;
    for (int i = 0; i < n; i++) {
      sum = sum.plus(a);
    }
    assertThat(a.times(n)).isEqualTo(sum);
    assertThat(a.times(n).isZero()).isEqualTo(n == 0 || a.isZero());
  }

  @Property
  void longFactoryAgreesWithBigInteger(@ForAll @LongRange(min = 0) long units) {
    assertThat(TokenAmount.of(units)).isEqualTo(TokenAmount.of(BigInteger.valueOf(units)));
    assertThat(TokenAmount.of(units).toString()).isEqualTo(Long.toString(units));
  }

  @Provide
  Arbitrary<TokenAmount> amounts() {
    return Arbitraries.oneOf(
        Generators.uint128Amounts(),
        Arbitraries.bigIntegers()
            .between(BigInteger.ZERO, BigInteger.TEN.pow(40))
            .map(TokenAmount::of));
  }
}
