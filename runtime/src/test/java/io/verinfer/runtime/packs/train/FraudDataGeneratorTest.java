package io.verinfer.runtime.packs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.Assume;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

class FraudDataGeneratorTest {

  @Property(tries = 30)
  void sameSeedGivesSameRows(@ForAll long seed) {
    Dataset first = FraudDataGenerator.generate(seed, 200);
    Dataset second = FraudDataGenerator.generate(seed, 200);
    assertThat(first.sameContent(second)).isTrue();
  }

  @Property(tries = 30)
  void differentSeedsGiveDifferentRows(@ForAll long a, @ForAll long b) {
    // java.util.Random keeps only the low 48 bits of its seed: seeds equal there are the same seed
    Assume.that((a & 0xFFFF_FFFF_FFFFL) != (b & 0xFFFF_FFFF_FFFFL));
    assertThat(FraudDataGenerator.generate(a, 200).sameContent(FraudDataGenerator.generate(b, 200)))
        .isFalse();
  }

  @Property(tries = 10)
  void aLongerRunStartsWithTheShorterOne(@ForAll long seed) {
    Dataset shorter = FraudDataGenerator.generate(seed, 50);
    Dataset longer = FraudDataGenerator.generate(seed, 120);
    assertThat(longer.slice(0, 50).sameContent(shorter)).isTrue();
  }

  @Example
  void featuresStayInTheirDocumentedRanges() {
    Dataset data = FraudDataGenerator.generate(FraudDetectPack.SEED, 20_000);
    for (double[] row : data.features()) {
      assertThat(row[0]).as("amount_usd").isPositive();
      assertThat(row[1]).as("hour").isBetween(0.0, 23.0).isEqualTo(Math.rint(row[1]));
      assertThat(row[2]).as("merchant_risk").isBetween(0.0, 4.0).isEqualTo(Math.rint(row[2]));
      assertThat(row[3]).as("distance_km").isPositive();
      assertThat(row[4]).as("txn_last_hour").isBetween(0.0, 20.0);
      assertThat(row[5]).as("account_age_days").isBetween(0.0, 3650.0);
      assertThat(row[6]).as("card_present").isIn(0.0, 1.0);
      assertThat(row[7]).as("foreign").isIn(0.0, 1.0);
    }
  }

  @Example
  void fraudIsRareButPresentAndFollowsTheHiddenRule() {
    Dataset data = FraudDataGenerator.generate(FraudDetectPack.SEED, 20_000);
    assertThat(Metrics.positiveRate(data.targets())).isBetween(0.02, 0.05);
    double[] latent = new double[data.rows()];
    for (int i = 0; i < latent.length; i++) {
      latent[i] = FraudDataGenerator.latentScore(data.features()[i]);
    }
    assertThat(Metrics.auc(data.targets(), latent)).isBetween(0.88, 0.97);
  }

  @Example
  void logScaledMaskMarksTheHeavyTailedColumns() {
    assertThat(FraudDataGenerator.logScaledMask())
        .containsExactly(true, false, false, true, true, true, false, false);
  }

  @Example
  void rejectsAnEmptyRequest() {
    assertThatThrownBy(() -> FraudDataGenerator.generate(1, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rows");
  }
}
