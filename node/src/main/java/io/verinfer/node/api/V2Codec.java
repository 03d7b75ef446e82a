package io.verinfer.node.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verinfer.protocol.DataType;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.VerinferException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Open Inference Protocol (KServe V2) JSON tensors ↔ protocol {@link Tensor}s. */
public final class V2Codec {
  private V2Codec() {}

  /** Parses {@code body.inputs}, naming the exact field at fault on any error. */
  public static List<Tensor> inputs(JsonNode body, long maxElements) {
    JsonNode inputs = body.get("inputs");
    if (inputs == null || !inputs.isArray()) {
      throw bad(ErrorCode.MALFORMED_REQUEST, "inputs", "'inputs' must be an array of tensors");
    }
    if (inputs.isEmpty()) {
      throw bad(ErrorCode.EMPTY_INPUT, "inputs", "'inputs' is empty");
    }
    List<Tensor> out = new ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) {
      out.add(tensor(inputs.get(i), "inputs[" + i + "]", maxElements));
    }
    return out;
  }

  private static Tensor tensor(JsonNode node, String field, long maxElements) {
    if (!node.isObject()) {
      throw bad(ErrorCode.MALFORMED_REQUEST, field, field + " must be an object");
    }
    JsonNode name = node.get("name");
    if (name == null || !name.isTextual() || name.asText().isBlank()) {
      throw bad(
          ErrorCode.MALFORMED_REQUEST, field + ".name", field + ".name must be a non-empty string");
    }
    JsonNode dt = node.get("datatype");
    if (dt == null || !dt.isTextual()) {
      throw bad(
          ErrorCode.MALFORMED_REQUEST,
          field + ".datatype",
          field + ".datatype must be a string such as \"FP32\"");
    }
    DataType type;
    try {
      type = DataType.parse(dt.asText());
    } catch (IllegalArgumentException e) {
      throw bad(ErrorCode.WRONG_DATATYPE, field + ".datatype", e.getMessage());
    }
    long[] shape = shape(node.get("shape"), field + ".shape");
    long elements;
    try {
      elements = Tensor.elementCount(shape);
    } catch (ArithmeticException e) {
      throw bad(
          ErrorCode.INPUT_TOO_LARGE,
          field + ".shape",
          field + ".shape describes too many elements");
    }
    if (elements > maxElements) {
      throw bad(
          ErrorCode.INPUT_TOO_LARGE,
          field + ".shape",
          field
              + ".shape holds "
              + elements
              + " elements; at most "
              + maxElements
              + " are accepted");
    }
    List<JsonNode> flat = new ArrayList<>();
    flatten(node.get("data"), field + ".data", flat, elements);
    if (flat.size() != elements) {
      throw bad(
          ErrorCode.DATA_SIZE_MISMATCH,
          field + ".data",
          field + ".data has " + flat.size() + " elements but shape needs " + elements);
    }
    ByteBuffer buf =
        ByteBuffer.allocate((int) elements * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    for (int k = 0; k < flat.size(); k++) {
      put(buf, type, flat.get(k), field + ".data[" + k + "]");
    }
    return new Tensor(name.asText(), type, shape, buf.array());
  }

  private static long[] shape(JsonNode node, String field) {
    if (node == null || !node.isArray()) {
      throw bad(ErrorCode.MALFORMED_REQUEST, field, field + " must be an array of sizes");
    }
    long[] shape = new long[node.size()];
    for (int i = 0; i < shape.length; i++) {
      JsonNode d = node.get(i);
      if (!d.canConvertToExactIntegral() || d.asLong() < 0) {
        throw bad(
            ErrorCode.WRONG_SHAPE, field, field + "[" + i + "] must be a size >= 0, got " + d);
      }
      shape[i] = d.asLong();
    }
    return shape;
  }

  private static void flatten(JsonNode node, String field, List<JsonNode> out, long limit) {
    if (node == null || !node.isArray()) {
      throw bad(ErrorCode.MALFORMED_REQUEST, field, field + " must be an array");
    }
    for (JsonNode e : node) {
      if (e.isArray()) {
        flatten(e, field, out, limit);
      } else {
        out.add(e);
      }
      if (out.size() > limit) {
        throw bad(ErrorCode.DATA_SIZE_MISMATCH, field, field + " has more elements than its shape");
      }
    }
  }

  private static void put(ByteBuffer buf, DataType type, JsonNode v, String field) {
    if (type == DataType.BOOL) {
      if (!v.isBoolean()) {
        throw bad(ErrorCode.INVALID_VALUE, field, field + " must be true or false, got " + v);
      }
      buf.put((byte) (v.asBoolean() ? 1 : 0));
      return;
    }
    if (!v.isNumber()) {
      throw bad(ErrorCode.INVALID_VALUE, field, field + " must be a number, got " + v);
    }
    switch (type) {
      case FP32 -> buf.putFloat(v.floatValue());
      case FP64 -> buf.putDouble(v.doubleValue());
      default -> {
        if (!v.canConvertToExactIntegral()) {
          throw bad(
              ErrorCode.INVALID_VALUE,
              field,
              field + " must be an integer for " + type + ", got " + v);
        }
        long x = v.asLong();
        long[] range = range(type);
        if (!v.canConvertToLong() || x < range[0] || x > range[1]) {
          throw bad(
              ErrorCode.INVALID_VALUE, field, field + " is out of range for " + type + ": " + v);
        }
        switch (type) {
          case INT64 -> buf.putLong(x);
          case INT32 -> buf.putInt((int) x);
          case INT16 -> buf.putShort((short) x);
          default -> buf.put((byte) x);
        }
      }
    }
  }

  private static long[] range(DataType type) {
    return switch (type) {
      case UINT8 -> new long[] {0, 255};
      case INT8 -> new long[] {Byte.MIN_VALUE, Byte.MAX_VALUE};
      case INT16 -> new long[] {Short.MIN_VALUE, Short.MAX_VALUE};
      case INT32 -> new long[] {Integer.MIN_VALUE, Integer.MAX_VALUE};
      default -> new long[] {Long.MIN_VALUE, Long.MAX_VALUE};
    };
  }

  /** A V2 output tensor as JSON. */
  public static ObjectNode output(Tensor t) {
    ObjectNode node = JsonBody.JSON.createObjectNode();
    node.put("name", t.name());
    node.put("datatype", t.datatype().name());
    ArrayNode shape = node.putArray("shape");
    for (long d : t.shape()) {
      shape.add(d);
    }
    ArrayNode data = node.putArray("data");
    ByteBuffer b = t.buffer();
    int n = (int) t.elementCount();
    for (int i = 0; i < n; i++) {
      switch (t.datatype()) {
        case FP32 -> data.add(b.getFloat(i * 4));
        case FP64 -> data.add(b.getDouble(i * 8));
        case INT64 -> data.add(b.getLong(i * 8));
        case INT32 -> data.add(b.getInt(i * 4));
        case INT16 -> data.add(b.getShort(i * 2));
        case INT8 -> data.add(b.get(i));
        case UINT8 -> data.add(b.get(i) & 0xff);
        case BOOL -> data.add(b.get(i) != 0);
      }
    }
    return node;
  }

  private static VerinferException bad(ErrorCode code, String field, String message) {
    return new VerinferException(code, field, message);
  }
}
