package io.verinfer.runtime.packs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class MetricsTest {

  private static final double[] LABELS = {0, 0, 1, 1, 0, 1};

  @Test
  void aucOfPerfectReversedAndConstantScores() {
    assertThat(Metrics.auc(LABELS, new double[] {.1, .2, .8, .9, .3, .7})).isEqualTo(1.0);
    assertThat(Metrics.auc(LABELS, new double[] {.9, .8, .2, .1, .7, .3})).isEqualTo(0.0);
    assertThat(Metrics.auc(LABELS, new double[] {.5, .5, .5, .5, .5, .5})).isEqualTo(0.5);
  }

  @Test
  void aucCountsPairsAndHalvesTies() {
    // Positives score .8, .4, .4; negatives .1, .4, .9 -> pairs won: 2 + (1 + .5) + (1 + .5) = 5.
    double[] scores = {.1, .4, .8, .4, .9, .4};
    assertThat(Metrics.auc(LABELS, scores)).isCloseTo(5 / 9.0, within(1e-12));
  }

  @Test
  void aucNeedsBothClasses() {
    assertThatThrownBy(() -> Metrics.auc(new double[] {1, 1}, new double[] {.1, .2}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("both classes");
  }

  @Test
  void regressionFigures() {
    double[] actual = {1, 2, 3, 4};
    assertThat(Metrics.r2(actual, actual)).isEqualTo(1.0);
    assertThat(Metrics.r2(actual, new double[] {2.5, 2.5, 2.5, 2.5})).isEqualTo(0.0);
    assertThat(Metrics.mae(actual, new double[] {2, 2, 2, 2})).isEqualTo(1.0);
    assertThat(Metrics.round(0.123456, 4)).isEqualTo(0.1235);
  }

  @Test
  void rejectsMismatchedLengths() {
    assertThatThrownBy(() -> Metrics.mae(new double[] {1}, new double[] {1, 2}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("equal length");
  }
}
