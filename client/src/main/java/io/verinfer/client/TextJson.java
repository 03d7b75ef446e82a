package io.verinfer.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verinfer.protocol.DataType;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/** OpenAI {@code /v1/embeddings} bodies, as a provider node speaks them. */
final class TextJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TextJson() {}

  static LaneCaller.Request request(ModelId model, List<String> texts) {
    ArrayNode input = JSON.createArrayNode();
    texts.forEach(input::add);
    ObjectNode body = JSON.createObjectNode();
    body.put("model", Long.toString(model.value()));
    body.set("input", input);
    // exact float bits, and far cheaper to write and read than decimal floats
    body.put("encoding_format", "base64");
    return new LaneCaller.Request(
        model,
        "/v1/embeddings",
        body.toString().getBytes(StandardCharsets.UTF_8),
        input.toString().getBytes(StandardCharsets.UTF_8),
        TextJson::embeddings);
  }

  /**
   * {@code data[i].embedding} as one FP32 tensor named {@code embeddings}, [texts, dims]: each
   * embedding base64 of little-endian floats (what {@link #request} asks for) or an array of
   * numbers.
   */
  static List<Tensor> embeddings(JsonNode root) {
    JsonNode data = root.path("data");
    if (!data.isArray() || data.isEmpty()) {
      throw new IllegalArgumentException("the embeddings answer has no data");
    }
    int rows = data.size();
    byte[] first = vectorBytes(data.get(0).path("embedding"), 0);
    int width = first.length;
    if (width == 0) {
      throw new IllegalArgumentException("data[0].embedding is empty");
    }
    byte[] all = new byte[rows * width];
    System.arraycopy(first, 0, all, 0, width);
    for (int i = 1; i < rows; i++) {
      byte[] row = vectorBytes(data.get(i).path("embedding"), i);
      if (row.length != width) {
        throw new IllegalArgumentException(
            "data[" + i + "].embedding is not a " + width / 4 + "-vector");
      }
      System.arraycopy(row, 0, all, i * width, width);
    }
    return List.of(new Tensor("embeddings", DataType.FP32, new long[] {rows, width / 4}, all));
  }

  private static byte[] vectorBytes(JsonNode vector, int row) {
    if (vector.isTextual()) {
      byte[] bytes;
      try {
        bytes = Base64.getDecoder().decode(vector.asText());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("data[" + row + "].embedding is not valid base64", e);
      }
      if (bytes.length % 4 != 0) {
        throw new IllegalArgumentException(
            "data[" + row + "].embedding holds " + bytes.length + " bytes, not whole floats");
      }
      return bytes;
    }
    if (!vector.isArray()) {
      throw new IllegalArgumentException(
          "data[" + row + "].embedding is neither base64 nor an array of numbers");
    }
    ByteBuffer buf = ByteBuffer.allocate(vector.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (JsonNode x : vector) {
      if (!x.isNumber()) {
        throw new IllegalArgumentException("data[" + row + "].embedding holds a non-number");
      }
      buf.putFloat(x.floatValue());
    }
    return buf.array();
  }
}
