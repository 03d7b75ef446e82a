package io.verinfer.runtime.packs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import net.jqwik.api.Assume;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Scale;

class AmmDataGeneratorTest {

  @Property(tries = 30)
  void sameSeedGivesSameRows(@ForAll long seed) {
    assertThat(AmmDataGenerator.generate(seed, 50).sameContent(AmmDataGenerator.generate(seed, 50)))
        .isTrue();
  }

  @Property(tries = 30)
  void differentSeedsGiveDifferentRows(@ForAll long a, @ForAll long b) {
    // java.util.Random keeps only the low 48 bits of its seed: seeds equal there are the same seed
    Assume.that((a & 0xFFFF_FFFF_FFFFL) != (b & 0xFFFF_FFFF_FFFFL));
    assertThat(AmmDataGenerator.generate(a, 50).sameContent(AmmDataGenerator.generate(b, 50)))
        .isFalse();
  }

  @Property(tries = 50)
  void featuresIgnoreThePriceLevel(
      @ForAll long seed,
      @ForAll @DoubleRange(min = 0.0005, max = 0.03) @Scale(6) double sigma,
      @ForAll @DoubleRange(min = 1e-3, max = 1e3) @Scale(6) double scale) {
    double[] prices = AmmDataGenerator.constantVolatilityPath(seed, sigma, 64, 100);
    double[] scaled = Arrays.stream(prices).map(p -> p * scale).toArray();
    double[] expected = AmmFeatures.fromPrices(prices);
    double[] actual = AmmFeatures.fromPrices(scaled);
    for (int i = 0; i < expected.length; i++) {
      assertThat(actual[i]).as(AmmFeatures.NAMES.get(i)).isCloseTo(expected[i], within(1e-6));
    }
  }

  @Property(tries = 30)
  void onlyTheLastWindowOfPricesCounts(
      @ForAll long seed, @ForAll @IntRange(min = 1, max = 200) int extra) {
    double[] prices = AmmDataGenerator.constantVolatilityPath(seed, 0.005, 64 + extra, 50);
    double[] lastWindow = Arrays.copyOfRange(prices, extra, prices.length);
    assertThat(AmmFeatures.fromPrices(prices)).containsExactly(AmmFeatures.fromPrices(lastWindow));
  }

  @Example
  void volatilityFeaturesGrowWithVolatility() {
    double[] calm =
        AmmFeatures.fromPrices(AmmDataGenerator.constantVolatilityPath(3, 0.001, 64, 1));
    double[] wild = AmmFeatures.fromPrices(AmmDataGenerator.constantVolatilityPath(3, 0.02, 64, 1));
    assertThat(calm).hasSize(AmmFeatures.NAMES.size());
    assertThat(calm[0]).isCloseTo(Math.log(0.001), within(0.3));
    assertThat(wild[0]).isCloseTo(Math.log(0.02), within(0.3));
    for (int i : new int[] {0, 1, 2, 4, 5, 6}) {
      assertThat(wild[i]).as(AmmFeatures.NAMES.get(i)).isGreaterThan(calm[i]);
    }
  }

  @Example
  void shortPathsUseWhatTheyHave() {
    double[] prices = AmmDataGenerator.constantVolatilityPath(9, 0.01, AmmFeatures.MIN_RETURNS, 10);
    assertThat(Arrays.stream(AmmFeatures.fromPrices(prices)).allMatch(Double::isFinite)).isTrue();
  }

  @Example
  void aFlatPathHasFiniteFeatures() {
    double[] flat = new double[20];
    Arrays.fill(flat, 42.0);
    assertThat(Arrays.stream(AmmFeatures.fromPrices(flat)).allMatch(Double::isFinite)).isTrue();
  }

  @Example
  void rejectsPathsItCannotRead() {
    assertThatThrownBy(() -> AmmFeatures.fromPrices(null)).hasMessageContaining("at least 9");
    assertThatThrownBy(() -> AmmFeatures.fromPrices(new double[8]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("got 8");
    double[] prices = AmmDataGenerator.constantVolatilityPath(1, 0.01, 20, 10);
    for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
      double[] broken = prices.clone();
      broken[15] = bad;
      assertThatThrownBy(() -> AmmFeatures.fromPrices(broken))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("prices[15]");
    }
  }

  @Example
  void feesStayInTheirRangeAndCoverAllRegimes() {
    Dataset data = AmmDataGenerator.generate(AmmFeePack.SEED, 5_000);
    assertThat(Arrays.stream(data.targets()).min().orElseThrow()).isGreaterThanOrEqualTo(5.0);
    assertThat(Arrays.stream(data.targets()).max().orElseThrow()).isLessThanOrEqualTo(100.0);
    long calm = Arrays.stream(data.targets()).filter(fee -> fee < 12).count();
    long wild = Arrays.stream(data.targets()).filter(fee -> fee > 80).count();
    assertThat(calm).isGreaterThan(500);
    assertThat(wild).isGreaterThan(500);
  }
}
