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
 * All integers little-endian. The hash is keccak256 of these bytes. {@link #decode(byte[])} accepts
 * exactly the byte strings {@link #encode(List)} produces, so a hash names one tensor set.
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

  /**
   * Reads bytes written by {@link #encode(List)}, strictly: the magic, every length and dimension
   * bounds-checked against what is left (nothing is allocated beyond the input's size), names
   * non-empty UTF-8 in strictly increasing byte order (so unique), every NaN the canonical one, and
   * no bytes after the last tensor. {@code encode(decode(b))} equals {@code b} for every accepted
   * {@code b}.
   *
   * @return the tensors in canonical (name) order
   * @throws IllegalArgumentException naming the first offset that breaks the layout
   */
  public static List<Tensor> decode(byte[] bytes) {
    return new Reader(bytes).tensors();
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

  /** A cursor over encoded bytes; every read checks that the bytes are there. */
  private static final class Reader {
    // the smallest tensor: u16 name length, a 1-byte name, dtype, rank 0, one 1-byte element
    private static final int MIN_TENSOR_BYTES = 6;

    private final byte[] in;
    private int pos;

    Reader(byte[] in) {
      this.in = java.util.Objects.requireNonNull(in, "bytes");
    }

    List<Tensor> tensors() {
      if (in.length < MAGIC.length
          || !java.util.Arrays.equals(in, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
        throw fail("does not start with the magic \"VTN1\"");
      }
      pos = MAGIC.length;
      long count = unsigned(4, "tensor count");
      if (count > (in.length - pos) / MIN_TENSOR_BYTES) {
        throw fail("claims " + count + " tensors in " + (in.length - pos) + " bytes");
      }
      List<Tensor> out = new ArrayList<>((int) count);
      byte[] previous = null;
      for (long i = 0; i < count; i++) {
        int start = pos;
        int nameLength = (int) unsigned(2, "name length");
        if (nameLength == 0) {
          throw fail(start, "tensor " + i + " has an empty name");
        }
        byte[] nameBytes = take(nameLength, "name of tensor " + i);
        String name = utf8(nameBytes, start);
        if (previous != null && java.util.Arrays.compareUnsigned(previous, nameBytes) >= 0) {
          throw fail(
              start,
              "tensor '"
                  + name
                  + "' is not after the previous one in name order (names must be unique and"
                  + " sorted)");
        }
        previous = nameBytes;
        int code = (int) unsigned(1, "datatype of " + name);
        DataType type;
        try {
          type = DataType.ofCode(code);
        } catch (IllegalArgumentException e) {
          throw fail(pos - 1, "tensor '" + name + "' has unknown datatype code " + code);
        }
        int rank = (int) unsigned(1, "rank of " + name);
        long[] shape = new long[rank];
        long elements = 1;
        for (int d = 0; d < rank; d++) {
          int at = pos;
          long dim = unsigned(8, "dimension " + d + " of " + name);
          if (dim < 0) {
            throw fail(at, "dimension " + d + " of '" + name + "' is above 2^63 - 1");
          }
          shape[d] = dim;
          elements = elements == 0 || dim == 0 ? 0 : multiplyOrFail(elements, dim, at, name);
        }
        long size = multiplyOrFail(elements, type.byteSize(), pos, name);
        if (size > in.length - pos) {
          throw fail(
              "tensor '"
                  + name
                  + "' needs "
                  + size
                  + " data bytes, "
                  + (in.length - pos)
                  + " left");
        }
        int dataStart = pos;
        byte[] data = take((int) size, "data of " + name);
        requireCanonicalNans(type, data, dataStart, name);
        try {
          out.add(Tensor.wrap(name, type, shape, data));
        } catch (IllegalArgumentException e) {
          throw fail(start, "tensor '" + name + "' is not a valid tensor: " + e.getMessage());
        }
      }
      if (pos != in.length) {
        throw fail("has " + (in.length - pos) + " bytes after the last tensor");
      }
      return out;
    }

    private long multiplyOrFail(long a, long b, int at, String name) {
      try {
        return Math.multiplyExact(a, b);
      } catch (ArithmeticException e) {
        throw fail(at, "the shape of '" + name + "' holds more than 2^63 - 1 bytes");
      }
    }

    private long unsigned(int width, String what) {
      byte[] b = take(width, what);
      long value = 0;
      for (int i = width - 1; i >= 0; i--) {
        value = (value << 8) | (b[i] & 0xff);
      }
      return value;
    }

    private byte[] take(int n, String what) {
      if (n > in.length - pos) {
        throw fail("ends inside the " + what + " (" + n + " bytes wanted)");
      }
      byte[] out = java.util.Arrays.copyOfRange(in, pos, pos + n);
      pos += n;
      return out;
    }

    private String utf8(byte[] bytes, int at) {
      try {
        String s =
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
        if (s.isBlank() || !java.util.Arrays.equals(s.getBytes(StandardCharsets.UTF_8), bytes)) {
          throw fail(at, "a tensor name is blank or not canonical UTF-8");
        }
        return s;
      } catch (java.nio.charset.CharacterCodingException e) {
        throw fail(at, "a tensor name is not valid UTF-8");
      }
    }

    private void requireCanonicalNans(DataType type, byte[] data, int at, String name) {
      ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
      if (type == DataType.FP32) {
        for (int i = 0; i < data.length; i += 4) {
          int bits = b.getInt(i);
          if (Float.isNaN(Float.intBitsToFloat(bits)) && bits != Float.floatToIntBits(Float.NaN)) {
            throw fail(at + i, "element " + i / 4 + " of '" + name + "' is a non-canonical NaN");
          }
        }
      } else if (type == DataType.FP64) {
        for (int i = 0; i < data.length; i += 8) {
          long bits = b.getLong(i);
          if (Double.isNaN(Double.longBitsToDouble(bits))
              && bits != Double.doubleToLongBits(Double.NaN)) {
            throw fail(at + i, "element " + i / 8 + " of '" + name + "' is a non-canonical NaN");
          }
        }
      }
    }

    private IllegalArgumentException fail(String problem) {
      return fail(pos, problem);
    }

    private static IllegalArgumentException fail(int at, String problem) {
      return new IllegalArgumentException(
          "not a canonical tensor encoding: at byte " + at + ", " + problem);
    }
  }

  private static byte[] le(int bytes, long value) {
    byte[] out = new byte[bytes];
    for (int i = 0; i < bytes; i++) {
      out[i] = (byte) (value >>> (8 * i));
    }
    return out;
  }
}
