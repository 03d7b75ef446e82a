package io.verinfer.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * {@link CanonicalTensors#decode}: the inverse of the encoding over every datatype, rank and name,
 * and a strict reader of anything else (a committee member decodes bytes a challenger chose).
 */
class CanonicalTensorsDecodeTest {
  @Provide
  Arbitrary<List<Tensor>> anyTensors() {
    Arbitrary<String> names =
        Arbitraries.strings()
            .withCharRange('a', 'z')
            .withCharRange('\u00e0', '\u00ff')
            .withCharRange('\u4e00', '\u4e08')
            .ofMinLength(1)
            .ofMaxLength(4);
    Arbitrary<long[]> shapes =
        Arbitraries.longs()
            .between(0, 3)
            .list()
            .ofMaxSize(3)
            .map(l -> l.stream().mapToLong(Long::longValue).toArray());
    Arbitrary<Tensor> tensor =
        Combinators.combine(
                names, Arbitraries.of(DataType.class), shapes, Arbitraries.randomValue(r -> r))
            .as(
                (name, type, shape, random) -> {
                  byte[] data = new byte[(int) Tensor.elementCount(shape) * type.byteSize()];
                  random.nextBytes(data);
                  return new Tensor(name, type, shape, data);
                });
    return tensor.list().ofMaxSize(4).uniqueElements(Tensor::name);
  }

  @Property
  void decodingUndoesEncodingUpToNanPayloads(@ForAll("anyTensors") List<Tensor> tensors) {
    byte[] encoded = CanonicalTensors.encode(tensors);
    List<Tensor> decoded = CanonicalTensors.decode(encoded);

    List<Tensor> sorted = new ArrayList<>(tensors);
    sorted.sort(
        Comparator.comparing(
            t -> t.name().getBytes(StandardCharsets.UTF_8), Arrays::compareUnsigned));
    assertThat(decoded).hasSameSizeAs(sorted);
    for (int i = 0; i < sorted.size(); i++) {
      Tensor want = sorted.get(i);
      Tensor got = decoded.get(i);
      assertThat(got.name()).isEqualTo(want.name());
      assertThat(got.datatype()).isEqualTo(want.datatype());
      assertThat(got.shape()).isEqualTo(want.shape());
      assertThat(got.data()).isEqualTo(withCanonicalNans(want));
    }
    assertThat(CanonicalTensors.encode(decoded)).isEqualTo(encoded);
  }

  @Property
  void aMutatedEncodingIsRefusedOrIsTheEncodingOfWhatItDecodesTo(
      @ForAll("anyTensors") List<Tensor> tensors,
      @ForAll @IntRange(min = 0, max = 10_000) int pick,
      @ForAll @IntRange(min = 1, max = 255) int flip) {
    byte[] mutated = CanonicalTensors.encode(tensors);
    mutated[pick % mutated.length] ^= (byte) flip;
    List<Tensor> decoded;
    try {
      decoded = CanonicalTensors.decode(mutated);
    } catch (IllegalArgumentException refused) {
      assertThat(refused).hasMessageStartingWith("not a canonical tensor encoding");
      return;
    }
    // accepted: then it is canonical, so it is exactly what its tensors encode to
    assertThat(CanonicalTensors.encode(decoded)).isEqualTo(mutated);
  }

  @Property
  void everyTruncationAndEveryExtraByteIsRefused(
      @ForAll("anyTensors") List<Tensor> tensors,
      @ForAll @IntRange(min = 0, max = 10_000) int cut) {
    byte[] encoded = CanonicalTensors.encode(tensors);
    byte[] truncated = Arrays.copyOf(encoded, cut % encoded.length);
    assertThatThrownBy(() -> CanonicalTensors.decode(truncated))
        .isInstanceOf(IllegalArgumentException.class);
    byte[] longer = Arrays.copyOf(encoded, encoded.length + 1);
    assertThatThrownBy(() -> CanonicalTensors.decode(longer))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("after the last tensor");
  }

  @Test
  void anEmptySetRoundTrips() {
    assertThat(CanonicalTensors.decode(CanonicalTensors.encode(List.of()))).isEmpty();
  }

  @Test
  void theKnownLayoutDecodes() {
    Tensor t = Tensor.ofFloats("y", new long[] {1, 2}, new float[] {1f, -2f});
    assertThat(CanonicalTensors.decode(CanonicalTensors.encode(List.of(t)))).containsExactly(t);
  }

  /** Hand-built encodings: the header, then one entry per {@code entries}. */
  private static byte[] raw(int count, byte[]... entries) {
    ByteBuffer b = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
    b.put("VTN1".getBytes(StandardCharsets.US_ASCII)).putInt(count);
    for (byte[] e : entries) {
      b.put(e);
    }
    return Arrays.copyOf(b.array(), b.position());
  }

  /** One tensor entry: name, dtype code, shape, then {@code data}. */
  private static byte[] entry(byte[] name, int code, long[] shape, byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
    b.putShort((short) name.length).put(name).put((byte) code).put((byte) shape.length);
    for (long d : shape) {
      b.putLong(d);
    }
    b.put(data);
    return Arrays.copyOf(b.array(), b.position());
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void assertRefused(byte[] bytes, String why) {
    assertThatThrownBy(() -> CanonicalTensors.decode(bytes))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("not a canonical tensor encoding")
        .hasMessageContaining(why);
  }

  @Test
  void malformedEncodingsAreRefusedWithTheReason() {
    byte[] one = entry(utf8("a"), 7, new long[] {1}, new byte[4]);
    byte[] two = entry(utf8("b"), 7, new long[] {1}, new byte[4]);
    assertThat(CanonicalTensors.decode(raw(2, one, two))).hasSize(2);

    assertRefused(new byte[0], "magic");
    assertRefused("VTN2\0\0\0\0".getBytes(StandardCharsets.US_ASCII), "magic");
    assertRefused(Arrays.copyOf(raw(0), 6), "tensor count");
    assertRefused(raw(1), "claims 1 tensors in 0 bytes");
    assertRefused(raw(-1, one), "claims 4294967295 tensors");
    assertRefused(raw(2, two, one), "not after the previous one");
    assertRefused(raw(2, one, one), "not after the previous one");
    assertRefused(raw(1, entry(new byte[0], 7, new long[] {}, new byte[4])), "empty name");
    assertRefused(
        raw(1, entry(new byte[] {(byte) 0xc0, (byte) 0x80}, 7, new long[] {}, new byte[4])),
        "not valid UTF-8");
    assertRefused(raw(1, entry(utf8(" "), 7, new long[] {}, new byte[4])), "blank");
    assertRefused(raw(1, entry(utf8("a"), 9, new long[] {}, new byte[4])), "unknown datatype");
    assertRefused(raw(1, entry(utf8("a"), 0, new long[] {}, new byte[4])), "unknown datatype");
    assertRefused(raw(1, entry(utf8("a"), 7, new long[] {2}, new byte[4])), "needs 8 data bytes");
    assertRefused(raw(1, entry(utf8("a"), 7, new long[] {-1}, new byte[4])), "above 2^63");
    assertRefused(
        raw(1, entry(utf8("a"), 6, new long[] {1L << 40, 1L << 40}, new byte[8])),
        "more than 2^63 - 1 bytes");
    assertRefused(
        raw(1, entry(utf8("a"), 6, new long[] {1L << 32, 1L << 32, 0}, new byte[0])),
        "more than 2^63 - 1 bytes");
    // a zero dimension first makes an empty tensor whatever follows
    assertThat(
            CanonicalTensors.decode(
                raw(1, entry(utf8("a"), 6, new long[] {0, 1L << 40}, new byte[0]))))
        .singleElement()
        .satisfies(t -> assertThat(t.elementCount()).isZero());
    byte[] oddNan =
        ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0x7fc00001).array();
    assertRefused(raw(1, entry(utf8("a"), 7, new long[] {1}, oddNan)), "non-canonical NaN");
    byte[] oddNan64 =
        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0xfff8000000000000L).array();
    assertRefused(raw(1, entry(utf8("a"), 8, new long[] {1}, oddNan64)), "non-canonical NaN");
  }

  private static byte[] withCanonicalNans(Tensor t) {
    byte[] data = t.data();
    ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    if (t.datatype() == DataType.FP32) {
      for (int i = 0; i < data.length; i += 4) {
        if (Float.isNaN(b.getFloat(i))) {
          b.putInt(i, 0x7fc00000);
        }
      }
    } else if (t.datatype() == DataType.FP64) {
      for (int i = 0; i < data.length; i += 8) {
        if (Double.isNaN(b.getDouble(i))) {
          b.putLong(i, 0x7ff8000000000000L);
        }
      }
    }
    return data;
  }
}
