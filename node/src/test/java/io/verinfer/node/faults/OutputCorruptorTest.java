package io.verinfer.node.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.protocol.DataType;
import io.verinfer.protocol.OutputComparator;
import io.verinfer.protocol.Tensor;
import io.verinfer.runtime.packs.minilm.MiniLmPack;
import io.verinfer.runtime.text.Embeddings;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class OutputCorruptorTest {
  private static final int DRAWS = 10_000;

  /** The demo packs' tolerances: trained MLPs 1,000 ppm, minilm-embed 100,000 ppm. */
  private static final long MLP_TOLERANCE_PPM = 1_000;

  private static List<Boolean> draws(OutputCorruptor corruptor, int n) {
    List<Boolean> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(corruptor.draw());
    }
    return out;
  }

  @Property(tries = 50)
  void theSameSeedCorruptsTheSameCalls(
      @ForAll long seed, @ForAll @DoubleRange(min = 0.01, max = 0.99) double fraction) {
    List<Boolean> first = draws(new OutputCorruptor(new FaultInjection(fraction, seed)), 1_000);
    List<Boolean> second = draws(new OutputCorruptor(new FaultInjection(fraction, seed)), 1_000);
    assertThat(second).isEqualTo(first);
  }

  @Test
  void anotherSeedCorruptsOtherCalls() {
    assertThat(draws(new OutputCorruptor(new FaultInjection(0.5, 2)), 1_000))
        .isNotEqualTo(draws(new OutputCorruptor(new FaultInjection(0.5, 1)), 1_000));
  }

  // 6 standard deviations: a correct draw fails once in ~500 million tries
  @Property(tries = 100)
  void theCorruptedShareIsWithinABinomialBoundOfTheTarget(
      @ForAll long seed, @ForAll @DoubleRange(min = 0.0, max = 1.0) double fraction) {
    OutputCorruptor corruptor = new OutputCorruptor(new FaultInjection(fraction, seed));
    long corrupted = draws(corruptor, DRAWS).stream().filter(b -> b).count();
    double mean = DRAWS * fraction;
    double sigma = Math.sqrt(DRAWS * fraction * (1 - fraction));
    assertThat((double) corrupted).isBetween(mean - 6 * sigma - 1, mean + 6 * sigma + 1);
    assertThat(corruptor.injected()).isEqualTo(corrupted);
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.01, 0.1, 0.25, 0.5, 0.9})
  void tenThousandDrawsHitTheTarget(double fraction) {
    OutputCorruptor corruptor = new OutputCorruptor(new FaultInjection(fraction, 42));
    long corrupted = draws(corruptor, DRAWS).stream().filter(b -> b).count();
    double sigma = Math.sqrt(DRAWS * fraction * (1 - fraction));
    assertThat(Math.abs(corrupted - DRAWS * fraction)).isLessThanOrEqualTo(4 * sigma);
  }

  @Test
  void fractionZeroNeverCorruptsAndOneAlways() {
    OutputCorruptor never = new OutputCorruptor(new FaultInjection(0.0, 7));
    OutputCorruptor always = new OutputCorruptor(new FaultInjection(1.0, 7));
    assertThat(draws(never, DRAWS)).containsOnly(false);
    assertThat(draws(always, DRAWS)).containsOnly(true);
    assertThat(never.injected()).isZero();
    assertThat(always.injected()).isEqualTo(DRAWS);
    assertThat(draws(OutputCorruptor.none(), DRAWS)).containsOnly(false);
  }

  @Test
  void applyReturnsTheOutputsUnchangedOrCorrupted() {
    List<Tensor> honest = List.of(Tensor.ofFloats("y", new long[] {1, 3}, new float[] {3, 5, 7}));
    assertThat(new OutputCorruptor(new FaultInjection(0.0, 1)).apply(honest)).isSameAs(honest);
    List<Tensor> corrupted = new OutputCorruptor(new FaultInjection(1.0, 1)).apply(honest);
    assertThat(corrupted)
        .containsExactly(Tensor.ofFloats("y", new long[] {1, 3}, new float[] {-4, -6, -8}));
  }

  @Provide
  Arbitrary<Float> anyFloat() {
    return Arbitraries.oneOf(
        Arbitraries.floats(),
        Arbitraries.floats().between(-2f, 2f),
        Arbitraries.of(
            0f,
            -0f,
            0.5f,
            -0.5f,
            1f,
            Float.MIN_VALUE,
            -Float.MIN_VALUE,
            Float.MAX_VALUE,
            -Float.MAX_VALUE,
            Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY,
            Float.NaN));
  }

  @Property
  void everyCorruptedFloatFailsAnyToleranceBelowOneHundredPercent(
      @ForAll @Size(min = 1, max = 64) List<@From("anyFloat") Float> values,
      @ForAll @LongRange(min = 0, max = 999_999) long tolerancePpm) {
    float[] data = new float[values.size()];
    for (int i = 0; i < data.length; i++) {
      data[i] = values.get(i);
    }
    Tensor honest = Tensor.ofFloats("y", new long[] {data.length}, data);
    Tensor corrupted = OutputCorruptor.corrupt(honest);

    assertThat(OutputComparator.agree(List.of(honest), List.of(honest), tolerancePpm)).isTrue();
    assertThat(OutputComparator.agree(List.of(honest), List.of(corrupted), tolerancePpm)).isFalse();
    float[] changed = corrupted.toFloats();
    for (int i = 0; i < data.length; i++) {
      Tensor a = Tensor.ofFloats("y", new long[] {1}, new float[] {data[i]});
      Tensor b = Tensor.ofFloats("y", new long[] {1}, new float[] {changed[i]});
      assertThat(OutputComparator.agree(List.of(a), List.of(b), tolerancePpm))
          .as("element %d: %s became %s", i, data[i], changed[i])
          .isFalse();
    }
  }

  @Property
  void everyCorruptedDoubleFailsAnyToleranceBelowOneHundredPercent(
      @ForAll double x, @ForAll @LongRange(min = 0, max = 999_999) long tolerancePpm) {
    Tensor honest = fp64(x);
    Tensor corrupted = OutputCorruptor.corrupt(honest);
    assertThat(OutputComparator.agree(List.of(honest), List.of(honest), tolerancePpm)).isTrue();
    assertThat(OutputComparator.agree(List.of(honest), List.of(corrupted), tolerancePpm))
        .as("%s became %s", x, corrupted.toDoubles()[0])
        .isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      doubles = {
        0.0,
        -0.0,
        0.5,
        Double.MIN_VALUE,
        Double.MAX_VALUE,
        -Double.MAX_VALUE,
        Double.NaN,
        Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY
      })
  void doubleEdgesAreCorruptedBeyondTolerance(double x) {
    Tensor honest = fp64(x);
    assertThat(
            OutputComparator.agree(
                List.of(honest), List.of(OutputCorruptor.corrupt(honest)), 999_999))
        .isFalse();
  }

  private static Tensor fp64(double x) {
    ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(0, x);
    return new Tensor("y", DataType.FP64, new long[] {1}, b.array());
  }

  @Property
  void everyCorruptedIntegerOrBooleanDiffers(
      @ForAll("exactTypes") DataType type,
      @ForAll @Size(min = 1, max = 32) List<@IntRange(min = 0, max = 255) Integer> bytes) {
    int n = Math.max(1, bytes.size() / type.byteSize());
    byte[] data = new byte[n * type.byteSize()];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (int) bytes.get(i % bytes.size());
    }
    if (type == DataType.BOOL) {
      for (int i = 0; i < data.length; i++) {
        data[i] = (byte) (data[i] & 1);
      }
    }
    Tensor honest = new Tensor("label", type, new long[] {n}, data);
    Tensor corrupted = OutputCorruptor.corrupt(honest);

    assertThat(corrupted.name()).isEqualTo("label");
    assertThat(corrupted.datatype()).isEqualTo(type);
    assertThat(corrupted.shape()).containsExactly(n);
    assertThat(OutputComparator.agree(List.of(honest), List.of(corrupted), 999_999)).isFalse();
    double[] before = honest.toDoubles();
    double[] after = corrupted.toDoubles();
    for (int i = 0; i < n; i++) {
      assertThat(after[i]).as("element %d", i).isNotEqualTo(before[i]);
    }
    if (type == DataType.BOOL) {
      for (double x : after) {
        assertThat(x).isIn(0.0, 1.0);
      }
    }
  }

  @Provide
  Arbitrary<DataType> exactTypes() {
    return Arbitraries.of(DataType.values()).filter(t -> !t.isFloatingPoint());
  }

  @ParameterizedTest
  @EnumSource(
      value = DataType.class,
      names = {"INT8", "UINT8", "INT16", "INT32", "INT64"})
  void integersAtTheirLimitsDiffer(DataType type) {
    byte[] max = new byte[type.byteSize()];
    java.util.Arrays.fill(max, (byte) 0xff);
    max[max.length - 1] = type == DataType.UINT8 ? (byte) 0xff : (byte) 0x7f;
    byte[] min = new byte[type.byteSize()];
    min[min.length - 1] = type == DataType.UINT8 ? 0 : (byte) 0x80;
    for (byte[] limit : List.of(max, min, new byte[type.byteSize()])) {
      Tensor honest = new Tensor("n", type, new long[] {1}, limit);
      assertThat(
              OutputComparator.agree(List.of(honest), List.of(OutputCorruptor.corrupt(honest)), 0))
          .isFalse();
    }
  }

  // the comparator reads integers as doubles, which cannot tell 2^60 from 2^60 + 1
  @Test
  void largeInt64ValuesDifferEvenAsDoubles() {
    Tensor honest = Tensor.ofLongs("n", new long[] {2}, new long[] {1L << 60, -(1L << 60) + 7});
    assertThat(OutputComparator.agree(List.of(honest), List.of(OutputCorruptor.corrupt(honest)), 0))
        .isFalse();
  }

  @Test
  void aCorruptedModelOutputFailsTheModelsToleranceAndAnHonestOnePasses() {
    Tensor honest =
        Tensor.ofFloats("fraud_probability", new long[] {2, 1}, new float[] {0.031f, 0.97f});
    Tensor rerun =
        Tensor.ofFloats(
            "fraud_probability", new long[] {2, 1}, new float[] {0.031f * 1.0005f, 0.97f});
    Tensor corrupted = OutputCorruptor.corrupt(honest);
    assertThat(OutputComparator.agree(List.of(honest), List.of(rerun), MLP_TOLERANCE_PPM)).isTrue();
    assertThat(OutputComparator.agree(List.of(honest), List.of(corrupted), MLP_TOLERANCE_PPM))
        .isFalse();
  }

  @Test
  void corruptedEmbeddingsFailTheEmbeddingModelsTolerance() {
    Embeddings honest =
        new Embeddings(List.of(new float[] {0.6f, -0.8f, 0f}, new float[] {0f, 0f, 1f}), 9);
    Embeddings corrupted = new OutputCorruptor(new FaultInjection(1.0, 3)).apply(honest);
    Embeddings untouched = new OutputCorruptor(new FaultInjection(0.0, 3)).apply(honest);

    assertThat(untouched).isSameAs(honest);
    assertThat(corrupted.promptTokens()).isEqualTo(9);
    assertThat(corrupted.size()).isEqualTo(2);
    assertThat(
            OutputComparator.agree(
                List.of(honest.toTensor("embeddings")),
                List.of(untouched.toTensor("embeddings")),
                MiniLmPack.TOLERANCE_PPM))
        .isTrue();
    assertThat(
            OutputComparator.agree(
                List.of(honest.toTensor("embeddings")),
                List.of(corrupted.toTensor("embeddings")),
                MiniLmPack.TOLERANCE_PPM))
        .isFalse();
    assertThat(corrupted.toTensor("embeddings"))
        .isEqualTo(OutputCorruptor.corrupt(honest.toTensor("embeddings")));
  }
}
