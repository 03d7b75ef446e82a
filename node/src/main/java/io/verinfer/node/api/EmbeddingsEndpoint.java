package io.verinfer.node.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.verinfer.node.faults.OutputCorruptor;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.VerinferException;
import io.verinfer.runtime.text.EmbeddingService;
import io.verinfer.runtime.text.Embeddings;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/embeddings} in the OpenAI shape: {@code input} as a string or an array of
 * strings, {@code encoding_format} "float" (default) or "base64"; answers {@code data[].embedding}
 * and {@code usage}. A node with fault injection (devnet only) corrupts some answers before they
 * are hashed, so the receipt signs what is returned.
 */
public final class EmbeddingsEndpoint implements Handler {
  /** The most texts one request may carry. */
  public static final int MAX_INPUTS = 256;

  private final ModelCatalog catalog;
  private final Map<String, EmbeddingService> embedders;
  private final PaymentGate payment;
  private final OutputCorruptor faults;

  public EmbeddingsEndpoint(
      ModelCatalog catalog, Map<String, EmbeddingService> embedders, PaymentGate payment) {
    this(catalog, embedders, payment, OutputCorruptor.none());
  }

  public EmbeddingsEndpoint(
      ModelCatalog catalog,
      Map<String, EmbeddingService> embedders,
      PaymentGate payment,
      OutputCorruptor faults) {
    this.catalog = catalog;
    this.embedders = Map.copyOf(embedders);
    this.payment = payment;
    this.faults = faults;
  }

  @Override
  public void handle(Context ctx) {
    JsonNode body = JsonBody.read(ctx);
    JsonNode modelNode = body.get("model");
    if (modelNode == null || !modelNode.isTextual() || modelNode.asText().isBlank()) {
      throw new VerinferException(
          ErrorCode.MALFORMED_REQUEST,
          "model",
          "'model' must name an embedding model, e.g. \"minilm-embed\"");
    }
    String model = modelNode.asText();
    var spec = catalog.served(model);
    EmbeddingService embedder = embedders.get(spec.name());
    if (embedder == null) {
      throw new VerinferException(
          ErrorCode.UNSUPPORTED_TASK, "model", "model '" + model + "' is not an embedding model");
    }
    List<String> texts = texts(body.get("input"));
    String format = body.path("encoding_format").asText("float");
    if (!format.equals("float") && !format.equals("base64")) {
      throw new VerinferException(
          ErrorCode.MALFORMED_REQUEST,
          "encoding_format",
          "'encoding_format' must be \"float\" or \"base64\"");
    }
    // refused before payment, so a wrong size is charged nothing
    Integer dimensions = body.hasNonNull("dimensions") ? body.get("dimensions").asInt() : null;
    long declared = declaredDimensions(spec.schema());
    if (dimensions != null && declared > 0 && dimensions != declared) {
      throw wrongDimensions(model, declared);
    }
    Embeddings result;
    java.util.Map<String, String> paid;
    try (PaymentGate.Hold hold = payment.authorize(ctx, spec)) {
      result = faults.apply(embedder.embed(texts));
      paid =
          hold.settle(
              inputHash(texts),
              io.verinfer.protocol.CanonicalTensors.hash(List.of(result.toTensor("embeddings"))));
    }
    paid.forEach(ctx::header);
    if (dimensions != null && dimensions != result.dimensions()) {
      throw wrongDimensions(model, result.dimensions()); // only when the schema left it open
    }

    ObjectNode response = JsonBody.JSON.createObjectNode();
    response.put("object", "list");
    ArrayNode data = response.putArray("data");
    for (int i = 0; i < result.size(); i++) {
      ObjectNode item = data.addObject();
      item.put("object", "embedding");
      item.put("index", i);
      float[] v = result.vector(i);
      if (format.equals("base64")) {
        ByteBuffer buf = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(v);
        item.put("embedding", Base64.getEncoder().encodeToString(buf.array()));
      } else {
        ArrayNode values = item.putArray("embedding");
        for (float x : v) {
          values.add(x);
        }
      }
    }
    response.put("model", model);
    ObjectNode usage = response.putObject("usage");
    usage.put("prompt_tokens", result.promptTokens());
    usage.put("total_tokens", result.promptTokens());
    ctx.contentType("application/json").result(response.toString());
  }

  /** The hidden size the model's schema declares for its output, or -1 when it leaves it open. */
  static long declaredDimensions(io.verinfer.protocol.ModelSchema schema) {
    return schema.outputs().stream()
        .filter(t -> t.name().equals(EmbeddingService.OUTPUT))
        .map(t -> t.shape().isEmpty() ? -1L : t.shape().get(t.shape().size() - 1))
        .findFirst()
        .orElse(-1L);
  }

  private static VerinferException wrongDimensions(String model, long offered) {
    return new VerinferException(
        ErrorCode.MALFORMED_REQUEST,
        "dimensions",
        "model '" + model + "' returns " + offered + " dimensions; other sizes are not offered");
  }

  /**
   * The receipt's input hash for text: keccak256 of the texts as a JSON array of strings (what the
   * consumer sent, re-serialised compactly).
   */
  static io.verinfer.protocol.Bytes32 inputHash(List<String> texts) {
    return io.verinfer.protocol.Bytes32.keccak256(inputBytes(texts));
  }

  /**
   * The bytes {@link #inputHash} hashes: the texts as a compact JSON array in UTF-8. A dispute over
   * an embeddings receipt carries these bytes as its input.
   */
  public static byte[] inputBytes(List<String> texts) {
    ArrayNode array = JsonBody.JSON.createArrayNode();
    texts.forEach(array::add);
    return array.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static List<String> texts(JsonNode input) {
    if (input == null || input.isNull()) {
      throw new VerinferException(
          ErrorCode.EMPTY_INPUT,
          "input",
          "'input' is missing: give a string or an array of strings");
    }
    if (input.isTextual()) {
      return List.of(input.asText());
    }
    if (!input.isArray()) {
      throw new VerinferException(
          ErrorCode.MALFORMED_REQUEST, "input", "'input' must be a string or an array of strings");
    }
    if (input.isEmpty()) {
      throw new VerinferException(ErrorCode.EMPTY_INPUT, "input", "'input' is an empty array");
    }
    if (input.size() > MAX_INPUTS) {
      throw new VerinferException(
          ErrorCode.INPUT_TOO_LARGE,
          "input",
          "'input' holds " + input.size() + " texts; at most " + MAX_INPUTS + " per request");
    }
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < input.size(); i++) {
      JsonNode t = input.get(i);
      if (!t.isTextual()) {
        throw new VerinferException(
            ErrorCode.MALFORMED_REQUEST,
            "input[" + i + "]",
            "input[" + i + "] must be a string (token arrays are not accepted)");
      }
      texts.add(t.asText());
    }
    return texts;
  }
}
