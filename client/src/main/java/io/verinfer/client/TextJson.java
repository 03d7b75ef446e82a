package io.verinfer.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Tensor;
import java.nio.charset.StandardCharsets;
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
    return new LaneCaller.Request(
        model,
        "/v1/embeddings",
        body.toString().getBytes(StandardCharsets.UTF_8),
        Bytes32.keccak256(input.toString().getBytes(StandardCharsets.UTF_8)),
        TextJson::embeddings);
  }

  /** {@code data[i].embedding} as one FP32 tensor named {@code embeddings}, [texts, dims]. */
  static List<Tensor> embeddings(JsonNode root) {
    JsonNode data = root.path("data");
    if (!data.isArray() || data.isEmpty()) {
      throw new IllegalArgumentException("the embeddings answer has no data");
    }
    int rows = data.size();
    int dims = data.get(0).path("embedding").size();
    float[] all = new float[rows * dims];
    for (int i = 0; i < rows; i++) {
      JsonNode vector = data.get(i).path("embedding");
      if (!vector.isArray() || vector.size() != dims) {
        throw new IllegalArgumentException(
            "data[" + i + "].embedding is not a " + dims + "-vector");
      }
      for (int k = 0; k < dims; k++) {
        all[i * dims + k] = Float.parseFloat(vector.get(k).asText());
      }
    }
    return List.of(Tensor.ofFloats("embeddings", new long[] {rows, dims}, all));
  }
}
