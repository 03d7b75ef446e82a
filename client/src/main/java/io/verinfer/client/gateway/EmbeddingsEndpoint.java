package io.verinfer.client.gateway;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.verinfer.client.InferenceResult;
import io.verinfer.client.Routing;
import io.verinfer.client.VerinferClient;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
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
    InferenceResult result =
        client.embed(
            model,
            texts,
            Bodies.routing(ctx, routing),
            Bodies.verification(ctx, client.options().verification()));
    Tensor embeddings = result.output("embeddings");
    Bodies.stamp(ctx, result);
    ctx.contentType("application/json")
        .result(answer(name, embeddings, format.equals("base64"), result.promptTokens()));
  }

  /**
   * The OpenAI answer, streamed (decimal floats are the costly part of this path: no tree of number
   * nodes in between). Base64 is the floats' little-endian bytes, exactly.
   */
  private static byte[] answer(String model, Tensor embeddings, boolean base64, long tokens) {
    int rows = (int) embeddings.shape()[0];
    int dims = (int) embeddings.shape()[1];
    ByteBuffer floats = embeddings.buffer();
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + rows * dims * (base64 ? 6 : 12));
    try (JsonGenerator json = JSON.getFactory().createGenerator(out)) {
      json.writeStartObject();
      json.writeStringField("object", "list");
      json.writeArrayFieldStart("data");
      byte[] row = new byte[dims * 4];
      for (int i = 0; i < rows; i++) {
        json.writeStartObject();
        json.writeStringField("object", "embedding");
        json.writeNumberField("index", i);
        json.writeFieldName("embedding");
        if (base64) {
          floats.get(i * dims * 4, row);
          json.writeString(Base64.getEncoder().encodeToString(row));
        } else {
          json.writeStartArray();
          for (int k = 0; k < dims; k++) {
            json.writeNumber(floats.getFloat((i * dims + k) * 4));
          }
          json.writeEndArray();
        }
        json.writeEndObject();
      }
      json.writeEndArray();
      json.writeStringField("model", model);
      json.writeObjectFieldStart("usage"); // tokens as the provider counted them
      json.writeNumberField("prompt_tokens", tokens);
      json.writeNumberField("total_tokens", tokens);
      json.writeEndObject();
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing to memory
    }
    return out.toByteArray();
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
