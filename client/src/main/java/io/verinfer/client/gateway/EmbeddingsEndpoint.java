package io.verinfer.client.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.verinfer.client.InferenceResult;
import io.verinfer.client.Routing;
import io.verinfer.client.VerinferClient;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** {@code POST /v1/embeddings}, OpenAI-compatible, paid through the SDK. */
final class EmbeddingsEndpoint implements Handler {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final VerinferClient client;
  private final ModelNames models;
  private final Routing routing;

  EmbeddingsEndpoint(VerinferClient client, ModelNames models, Routing routing) {
    this.client = client;
    this.models = models;
    this.routing = routing;
  }

  @Override
  public void handle(Context ctx) {
    JsonNode body = Bodies.json(ctx);
    String name = body.path("model").asText(null);
    ModelId model = models.resolve(name, "model");
    List<String> texts = texts(body.get("input"));
    String format = body.path("encoding_format").asText("float");
    if (!format.equals("float") && !format.equals("base64")) {
      throw new GatewayError(
          400,
          "MALFORMED_REQUEST",
          "encoding_format",
          "'encoding_format' must be \"float\" or \"base64\"");
    }
    InferenceResult result = client.embed(model, texts, Bodies.routing(ctx, routing));
    Tensor embeddings = result.output("embeddings");
    int dims = (int) embeddings.shape()[1];
    float[] all = embeddings.toFloats();
    ObjectNode response = JSON.createObjectNode();
    response.put("object", "list");
    ArrayNode data = response.putArray("data");
    for (int i = 0; i < texts.size(); i++) {
      ObjectNode item = data.addObject();
      item.put("object", "embedding");
      item.put("index", i);
      if (format.equals("base64")) {
        ByteBuffer buf = ByteBuffer.allocate(dims * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(all, i * dims, dims);
        item.put("embedding", Base64.getEncoder().encodeToString(buf.array()));
      } else {
        ArrayNode vector = item.putArray("embedding");
        for (int k = 0; k < dims; k++) {
          vector.add(all[i * dims + k]);
        }
      }
    }
    response.put("model", name);
    ObjectNode usage = response.putObject("usage");
    long tokens = result.promptTokens(); // as the provider counted them
    usage.put("prompt_tokens", tokens);
    usage.put("total_tokens", tokens);
    Bodies.stamp(ctx, result);
    ctx.contentType("application/json").result(response.toString());
  }

  private static List<String> texts(JsonNode input) {
    if (input == null || input.isNull()) {
      throw new GatewayError(
          400, "EMPTY_INPUT", "input", "'input' is missing: give a string or an array of strings");
    }
    if (input.isTextual()) {
      return List.of(input.asText());
    }
    if (!input.isArray() || input.isEmpty()) {
      throw new GatewayError(
          400, "EMPTY_INPUT", "input", "'input' must be a string or a non-empty array of strings");
    }
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < input.size(); i++) {
      if (!input.get(i).isTextual()) {
        throw new GatewayError(
            400, "MALFORMED_REQUEST", "input[" + i + "]", "input[" + i + "] must be a string");
      }
      texts.add(input.get(i).asText());
    }
    return texts;
  }
}
