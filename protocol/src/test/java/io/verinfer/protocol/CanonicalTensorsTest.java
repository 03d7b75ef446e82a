package io.verinfer.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class CanonicalTensorsTest {
  @Test
  void knownLayout() {
    Tensor t = Tensor.ofFloats("y", new long[] {1, 2}, new float[] {1f, -2f});
    byte[] encoded = CanonicalTensors.encode(List.of(t));
    String hex = org.web3j.utils.Numeric.toHexStringNoPrefix(encoded);
    assertThat(hex)
        .isEqualTo(
            "56544e31" // VTN1
                + "01000000" // one tensor
                + "0100"
                + "79" // name "y"
                + "07"
                + "02" // FP32, rank 2
                + "0100000000000000"
                + "0200000000000000"
                + "0000803f"
                + "000000c0"); // 1.0f, -2.0f little-endian
  }

  @Provide
  Arbitrary<List<Tensor>> tensorSets() {
    Arbitrary<Tensor> tensor =
        Combinators.combine(
                Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(6),
                Arbitraries.integers().between(1, 3),
                Arbitraries.integers().between(1, 4))
            .as(
                (name, rows, cols) -> {
                  float[] values = new float[rows * cols];
                  for (int i = 0; i < values.length; i++) {
                    values[i] = (name.hashCode() * 31 + i) % 1000 / 7f;
                  }
                  return Tensor.ofFloats(name, new long[] {rows, cols}, values);
                });
    return tensor.list().ofMinSize(1).ofMaxSize(4).uniqueElements(Tensor::name);
  }

  @Property
  void theEncodingIgnoresTheOrderTensorsComeIn(@ForAll("tensorSets") List<Tensor> tensors) {
    List<Tensor> shuffled = new ArrayList<>(tensors);
    Collections.reverse(shuffled);
    assertThat(CanonicalTensors.hash(shuffled)).isEqualTo(CanonicalTensors.hash(tensors));
  }

  @Property
  void anyChangedByteChangesTheHash(
      @ForAll("tensorSets") List<Tensor> tensors, @ForAll @IntRange(min = 0, max = 1000) int pick) {
    Tensor victim = tensors.get(pick % tensors.size());
    byte[] data = victim.data();
    data[pick % data.length] ^= 1;
    List<Tensor> mutated = new ArrayList<>(tensors);
    mutated.set(
        tensors.indexOf(victim),
        new Tensor(victim.name(), victim.datatype(), victim.shape(), data));
    assertThat(CanonicalTensors.hash(mutated)).isNotEqualTo(CanonicalTensors.hash(tensors));
  }

  @Property
  void aReshapeChangesTheHash(@ForAll @IntRange(min = 3, max = 8) int n) {
    float[] values = new float[n * 2];
    Arrays.fill(values, 1.5f);
    Tensor a = Tensor.ofFloats("t", new long[] {n, 2}, values);
    Tensor b = Tensor.ofFloats("t", new long[] {2, n}, values);
    assertThat(CanonicalTensors.hash(List.of(a))).isNotEqualTo(CanonicalTensors.hash(List.of(b)));
  }

  @Test
  void everyNanHashesAlike() {
    Tensor quiet = Tensor.ofFloats("t", new long[] {1}, new float[] {Float.NaN});
    Tensor other =
        Tensor.ofFloats("t", new long[] {1}, new float[] {Float.intBitsToFloat(0x7fc00001)});
    assertThat(CanonicalTensors.hash(List.of(quiet)))
        .isEqualTo(CanonicalTensors.hash(List.of(other)));
  }
}
