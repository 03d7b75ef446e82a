package io.verinfer.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class OutputComparatorTest {
  private static List<Tensor> one(float v) {
    return List.of(Tensor.ofFloats("y", new long[] {1}, new float[] {v}));
  }

  @Property
  void agreementIsReflexiveAndSymmetric(
      @ForAll @FloatRange(min = -1e6f, max = 1e6f) float a,
      @ForAll @FloatRange(min = -1e6f, max = 1e6f) float b,
      @ForAll @LongRange(min = 0, max = 100_000) long ppm) {
    assertThat(OutputComparator.agree(one(a), one(a), ppm)).isTrue();
    assertThat(OutputComparator.agree(one(a), one(b), ppm))
        .isEqualTo(OutputComparator.agree(one(b), one(a), ppm));
  }

  @Test
  void theToleranceIsAbsoluteBelowOneAndRelativeAbove() {
    assertThat(OutputComparator.agree(one(0.0f), one(0.0009f), 1_000)).isTrue();
    assertThat(OutputComparator.agree(one(0.0f), one(0.0011f), 1_000)).isFalse();
    assertThat(OutputComparator.agree(one(1000f), one(1000.9f), 1_000)).isTrue();
    assertThat(OutputComparator.agree(one(1000f), one(1001.1f), 1_000)).isFalse();
    assertThat(OutputComparator.agree(one(Float.NaN), one(Float.NaN), 0)).isTrue();
    assertThat(OutputComparator.agree(one(Float.NaN), one(0f), 1_000_000)).isFalse();
  }

  @Test
  void integersCompareExactlyAndShapesMustMatch() {
    List<Tensor> a = List.of(Tensor.ofLongs("c", new long[] {2}, new long[] {1, 2}));
    List<Tensor> b = List.of(Tensor.ofLongs("c", new long[] {2}, new long[] {1, 3}));
    assertThat(OutputComparator.firstMismatch(a, b, 1_000_000))
        .hasValueSatisfying(m -> assertThat(m.index()).isEqualTo(1));
    List<Tensor> reshaped = List.of(Tensor.ofLongs("c", new long[] {1, 2}, new long[] {1, 2}));
    assertThat(OutputComparator.agree(a, reshaped, 1_000_000)).isFalse();
  }

  @Test
  void largeInt64sThatDifferDisagree() {
    long big =
        (1L << 60) + 1; // (double) big == (double) (big + 1): a comparison via double would pass
    List<Tensor> a = List.of(Tensor.ofLongs("id", new long[] {2}, new long[] {7, big}));
    List<Tensor> b = List.of(Tensor.ofLongs("id", new long[] {2}, new long[] {7, big + 1}));
    assertThat(OutputComparator.firstMismatch(a, b, 1_000_000))
        .hasValueSatisfying(m -> assertThat(m.reason()).isEqualTo(big + " vs " + (big + 1)));
    assertThat(OutputComparator.agree(a, a, 0)).isTrue();
  }
}
