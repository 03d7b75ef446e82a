package io.verinfer.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verinfer.protocol.DataType;
import io.verinfer.protocol.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Open Inference Protocol JSON for the client. Floats must survive the trip bit for bit, since
 * receipts sign the hash of the exact tensors: inputs are written as the exact decimal of each
 * value, and outputs are parsed from their decimal text, never through a double first.
 */
public final class V2Json {
  /** The error body every Verinfer node answers with. */
  record NodeError(String code, String field, String message) {}

  static final JsonMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .build();

  private V2Json() {}

  /** The request body for {@code inputs}. */
  static byte[] request(List<Tensor> inputs) {
    ObjectNode body = JSON.createObjectNode();
    putTensors(body, "inputs", inputs);
    return body.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Writes {@code tensors} as a V2 tensor array under {@code key}. */
  public static void putTensors(ObjectNode body, String key, List<Tensor> tensors) {
    ArrayNode array = body.putArray(key);
    for (Tensor t : tensors) {
      ObjectNode node = array.addObject();
      node.put("name", t.name());
      node.put("datatype", t.datatype().name());
      ArrayNode shape = node.putArray("shape");
      for (long d : t.shape()) {
        shape.add(d);
      }
      ArrayNode data = node.putArray("data");
      ByteBuffer b = t.buffer();
      int n = Math.toIntExact(t.elementCount());
      for (int i = 0; i < n; i++) {
        switch (t.datatype()) {
          case FP32 -> data.add(finite((double) b.getFloat(i * 4), t, i)); // exact as a double
          case FP64 -> data.add(finite(b.getDouble(i * 8), t, i));
          case INT64 -> data.add(b.getLong(i * 8));
          case INT32 -> data.add(b.getInt(i * 4));
          case INT16 -> data.add(b.getShort(i * 2));
          case INT8 -> data.add(b.get(i));
          case UINT8 -> data.add(b.get(i) & 0xff);
          case BOOL -> data.add(b.get(i) != 0);
        }
      }
    }
  }

  /** The {@code inputs} of a V2 request body. */
  public static List<Tensor> inputs(JsonNode body) {
    return tensors(body, "inputs");
  }

  /** The tensors under {@code key} (e.g. {@code outputs}) of a V2 body. */
  public static List<Tensor> tensors(JsonNode body, String key) {
    JsonNode list = body.get(key);
    if (list == null || !list.isArray() || list.isEmpty()) {
      throw new IllegalArgumentException("'" + key + "' must be a non-empty array of tensors");
    }
    List<Tensor> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      out.add(tensor(list.get(i), key + "[" + i + "]"));
    }
    return out;
  }

  private static double finite(double value, Tensor t, int index) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException(
          "input "
              + t.name()
              + " element "
              + index
              + " is "
              + value
              + "; JSON carries only finite numbers");
    }
    return value;
  }

  /** The {@code outputs} of a response body; {@link IllegalArgumentException} names the fault. */
  static List<Tensor> outputs(String body) {
    return outputs(parse(body));
  }

  /** The {@code outputs} of a parsed response body. */
  static List<Tensor> outputs(JsonNode root) {
    JsonNode outputs = root.get("outputs");
    if (outputs == null || !outputs.isArray() || outputs.isEmpty()) {
      throw new IllegalArgumentException("the response has no 'outputs' array");
    }
    List<Tensor> out = new ArrayList<>();
    for (int i = 0; i < outputs.size(); i++) {
      out.add(tensor(outputs.get(i), "outputs[" + i + "]"));
    }
    return out;
  }

  /** The node's error, if {@code body} is a Verinfer error body. */
  static Optional<NodeError> error(String body) {
    try {
      JsonNode error = parse(body).path("error");
      if (!error.path("code").isTextual()) {
        return Optional.empty();
      }
      return Optional.of(
          new NodeError(
              error.path("code").asText(),
              error.path("field").isTextual()
                  ? error.path("field").asText()
                  : error.path("param").isTextual() ? error.path("param").asText() : null,
              error.path("message").asText("")));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  public static JsonNode parse(String body) {
    try {
      return JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the body is not JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static Tensor tensor(JsonNode node, String field) {
    JsonNode name = node.path("name");
    if (!name.isTextual() || name.asText().isBlank()) {
      throw new IllegalArgumentException(field + ".name is missing");
    }
    DataType type = DataType.parse(node.path("datatype").asText(null));
    JsonNode shapeNode = node.path("shape");
    if (!shapeNode.isArray()) {
      throw new IllegalArgumentException(field + ".shape is missing");
    }
    long[] shape = new long[shapeNode.size()];
    for (int i = 0; i < shape.length; i++) {
      if (!shapeNode.get(i).canConvertToExactIntegral() || shapeNode.get(i).asLong() < 0) {
        throw new IllegalArgumentException(field + ".shape[" + i + "] is not a size");
      }
      shape[i] = shapeNode.get(i).asLong();
    }
    List<JsonNode> flat = new ArrayList<>();
    flatten(node.path("data"), field + ".data", flat);
    long elements = Tensor.elementCount(shape);
    if (flat.size() != elements) {
      throw new IllegalArgumentException(
          field + ".data has " + flat.size() + " elements, its shape needs " + elements);
    }
    ByteBuffer buf =
        ByteBuffer.allocate(Math.toIntExact(elements * type.byteSize()))
            .order(ByteOrder.LITTLE_ENDIAN);
    for (JsonNode v : flat) {
      switch (type) {
        case FP32 -> buf.putFloat(Float.parseFloat(text(v, field)));
        case FP64 -> buf.putDouble(Double.parseDouble(text(v, field)));
        case INT64 -> buf.putLong(integer(v, field));
        case INT32 -> buf.putInt(Math.toIntExact(integer(v, field)));
        case INT16 -> buf.putShort((short) integer(v, field));
        case INT8, UINT8 -> buf.put((byte) integer(v, field));
        case BOOL -> buf.put((byte) (v.asBoolean() ? 1 : 0));
      }
    }
    return Tensor.wrap(name.asText(), type, shape, buf.array());
  }

  private static void flatten(JsonNode node, String field, List<JsonNode> out) {
    if (!node.isArray()) {
      throw new IllegalArgumentException(field + " is not an array");
    }
    for (JsonNode e : node) {
      if (e.isArray()) {
        flatten(e, field, out);
      } else {
        out.add(e);
      }
    }
  }

  // The decimal text as sent (BigDecimal keeps it exactly), or NaN/Infinity spelled out.
  private static String text(JsonNode v, String field) {
    if (v.isNumber()) {
      return v.isBigDecimal() ? v.decimalValue().toString() : v.asText();
    }
    if (v.isTextual()) {
      return v.asText();
    }
    throw new IllegalArgumentException(field + " holds a non-number: " + v);
  }

  private static long integer(JsonNode v, String field) {
    if (!v.canConvertToExactIntegral() || !v.canConvertToLong()) {
      throw new IllegalArgumentException(field + " holds a non-integer: " + v);
    }
    return v.asLong();
  }
}
