package io.verinfer.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The one byte layout of a set of tensors that receipts sign ({@code inputHash}, {@code
 * outputHash}) and every verifier recomputes:
 *
 * <pre>
 *   "VTN1"                                  magic + version
 *   u32 count
 *   per tensor, in the byte order of their UTF-8 names:
 *     u16 nameLength, name (UTF-8)
 *     u8  datatype code ({@link DataType#code()})
 *     u8  rank, then rank × u64 dimensions
 *     elements, little-endian, row-major (every NaN written as the canonical quiet NaN)
 * </pre>
 *
 * All integers little-endian. The hash is keccak256 of these bytes.
 */
public final class CanonicalTensors {
  private static final byte[] MAGIC = {'V', 'T', 'N', '1'};
  private static final Comparator<String> UTF8_ORDER =
      (a, b) ->
          java.util.Arrays.compareUnsigned(
              a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

  private CanonicalTensors() {}

  public static byte[] encode(List<Tensor> tensors) {
    List<Tensor> sorted = new ArrayList<>(tensors);
    sorted.sort(Comparator.comparing(Tensor::name, UTF8_ORDER));
    Set<String> names = new HashSet<>();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(MAGIC);
    out.writeBytes(le(4, sorted.size()));
    for (Tensor t : sorted) {
      if (!names.add(t.name())) {
        throw new IllegalArgumentException("two tensors are named " + t.name());
      }
      byte[] name = t.name().getBytes(StandardCharsets.UTF_8);
      if (name.length > 0xffff) {
        throw new IllegalArgumentException("tensor name longer than 65535 bytes");
      }
      out.writeBytes(le(2, name.length));
      out.writeBytes(name);
      long[] shape = t.shape();
      if (shape.length > 0xff) {
        throw new IllegalArgumentException("tensor " + t.name() + " has rank above 255");
      }
      out.write(t.datatype().code());
      out.write(shape.length);
      for (long d : shape) {
        out.writeBytes(le(8, d));
      }
      out.writeBytes(canonicalData(t));
    }
    return out.toByteArray();
  }

  /** keccak256 of {@link #encode(List)}. */
  public static Bytes32 hash(List<Tensor> tensors) {
    return Bytes32.keccak256(encode(tensors));
  }

  private static byte[] canonicalData(Tensor t) {
    byte[] data = t.data();
    ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    if (t.datatype() == DataType.FP32) {
      for (int i = 0; i < data.length; i += 4) {
        if (Float.isNaN(b.getFloat(i))) {
          b.putInt(i, Float.floatToIntBits(Float.NaN));
        }
      }
    } else if (t.datatype() == DataType.FP64) {
      for (int i = 0; i < data.length; i += 8) {
        if (Double.isNaN(b.getDouble(i))) {
          b.putLong(i, Double.doubleToLongBits(Double.NaN));
        }
      }
    }
    return data;
  }

  private static byte[] le(int bytes, long value) {
    byte[] out = new byte[bytes];
    for (int i = 0; i < bytes; i++) {
      out[i] = (byte) (value >>> (8 * i));
    }
    return out;
  }
}
