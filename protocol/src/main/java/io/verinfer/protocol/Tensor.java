package io.verinfer.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A named tensor: element type, shape and its elements as little-endian bytes in row-major order.
 * Immutable; the byte array is copied in and out.
 */
public final class Tensor {
  private final String name;
  private final DataType datatype;
  private final long[] shape;
  private final byte[] data;

  public Tensor(String name, DataType datatype, long[] shape, byte[] data) {
    this(name, datatype, shape, Objects.requireNonNull(data, "data").clone(), true);
  }

  /**
   * A tensor over {@code data} without copying it: the caller hands the array over and must not
   * touch it again (used on hot paths that just filled a fresh array).
   */
  public static Tensor wrap(String name, DataType datatype, long[] shape, byte[] data) {
    return new Tensor(name, datatype, shape, Objects.requireNonNull(data, "data"), true);
  }

  // the trailing flag only tells this constructor apart from the public, copying one
  private Tensor(String name, DataType datatype, long[] shape, byte[] data, boolean owned) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("tensor name must not be blank");
    }
    this.name = name;
    this.datatype = Objects.requireNonNull(datatype, "datatype");
    this.shape = Objects.requireNonNull(shape, "shape").clone();
    this.data = data;
    long elements = elementCount(this.shape);
    if (elements * datatype.byteSize() != data.length) {
      throw new IllegalArgumentException(
          "tensor "
              + name
              + ": shape "
              + Arrays.toString(shape)
              + " of "
              + datatype
              + " needs "
              + elements * datatype.byteSize()
              + " bytes, got "
              + data.length);
    }
  }

  /** The number of elements a shape holds; throws on negative sizes or overflow. */
  public static long elementCount(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  public static Tensor ofFloats(String name, long[] shape, float[] values) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(values);
    return new Tensor(name, DataType.FP32, shape, buf.array());
  }

  public static Tensor ofLongs(String name, long[] shape, long[] values) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    buf.asLongBuffer().put(values);
    return new Tensor(name, DataType.INT64, shape, buf.array());
  }

  public String name() {
    return name;
  }

  public DataType datatype() {
    return datatype;
  }

  public long[] shape() {
    return shape.clone();
  }

  public byte[] data() {
    return data.clone();
  }

  /** A read-only little-endian view of the elements (no copy). */
  public ByteBuffer buffer() {
    return ByteBuffer.wrap(data).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  public long elementCount() {
    return elementCount(shape);
  }

  public int byteSize() {
    return data.length;
  }

  /** Elements as doubles (any numeric type; BOOL as 0/1), for comparison and JSON. */
  public double[] toDoubles() {
    ByteBuffer b = buffer();
    int n = (int) elementCount();
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] =
          switch (datatype) {
            case BOOL, UINT8 -> b.get(i) & 0xff;
            case INT8 -> b.get(i);
            case INT16 -> b.getShort(i * 2);
            case INT32 -> b.getInt(i * 4);
            case INT64 -> b.getLong(i * 8);
            case FP32 -> b.getFloat(i * 4);
            case FP64 -> b.getDouble(i * 8);
          };
    }
    return out;
  }

  public float[] toFloats() {
    if (datatype != DataType.FP32) {
      throw new IllegalStateException("tensor " + name + " is " + datatype + ", not FP32");
    }
    float[] out = new float[(int) elementCount()];
    buffer().asFloatBuffer().get(out);
    return out;
  }

  /** The same data under another name. */
  public Tensor renamed(String newName) {
    return new Tensor(newName, datatype, shape, data);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Tensor t
        && name.equals(t.name)
        && datatype == t.datatype
        && Arrays.equals(shape, t.shape)
        && Arrays.equals(data, t.data);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, datatype, Arrays.hashCode(shape), Arrays.hashCode(data));
  }

  @Override
  public String toString() {
    return "Tensor[" + name + " " + datatype + Arrays.toString(shape) + "]";
  }
}
