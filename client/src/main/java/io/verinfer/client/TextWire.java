package io.verinfer.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.SignedReceipt;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The provider side of paid text streams on the wire, in one place (docs/architecture.md, "Text
 * generation", "On the wire"): the request body, the token quote in a node's {@code /v1/models},
 * and the server-sent events of a stream.
 */
final class TextWire {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TextWire() {}

  /** The body of a paid streamed call: the request with its seed, always {@code stream: true}. */
  static byte[] body(ModelId model, TextGeneration g, long seed) {
    ObjectNode body = JSON.createObjectNode();
    body.put("model", Long.toString(model.value()));
    if (g.isChat()) {
      ArrayNode messages = body.putArray("messages");
      for (ChatMessage m : g.messages()) {
        messages.addObject().put("role", m.role()).put("content", m.content());
      }
    } else {
      body.put("prompt", g.prompt());
    }
    body.put("stream", true);
    body.putObject("stream_options").put("include_usage", true);
    g.maxTokens().ifPresent(n -> body.put("max_tokens", n));
    body.put("temperature", g.temperature());
    body.put("top_p", g.topP());
    body.put("seed", seed);
    if (!g.stop().isEmpty()) {
      ArrayNode stop = body.putArray("stop");
      g.stop().forEach(stop::add);
    }
    return body.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A quote read from a node's {@code /v1/models}, not yet checked against the chain; the model's
   * context length when the node says it.
   */
  record Quote(TokenAmount input, TokenAmount output, OptionalInt contextLength) {}

  /**
   * The token prices the node quotes for {@code model}: the {@code data[]} entry whose {@code
   * verinfer.model_id} is the model's on-chain id, its {@code verinfer.prices.input} and {@code
   * .output} (base units per token, decimal strings) and {@code verinfer.context_length}.
   */
  static Optional<Quote> quote(JsonNode models, ModelId model) {
    for (JsonNode m : models.path("data")) {
      JsonNode v = m.path("verinfer");
      if (!Long.toString(model.value()).equals(v.path("model_id").asText(null))) {
        continue;
      }
      JsonNode price = v.path("prices");
      JsonNode context = v.path("context_length");
      return Optional.of(
          new Quote(
              amount(price.path("input"), "prices.input"),
              amount(price.path("output"), "prices.output"),
              context.canConvertToInt() && context.asInt() > 0
                  ? OptionalInt.of(context.asInt())
                  : OptionalInt.empty()));
    }
    return Optional.empty();
  }

  private static final java.util.regex.Pattern BASE_UNITS =
      java.util.regex.Pattern.compile("[0-9]{1,39}");

  static TokenAmount amount(JsonNode node, String field) {
    String text = node.isNumber() ? node.asText() : node.asText("");
    if (!BASE_UNITS.matcher(text).matches()) {
      throw new IllegalArgumentException(field + " must be base units as a decimal string");
    }
    TokenAmount a = TokenAmount.of(new BigInteger(text));
    if (!a.fitsUint128()) {
      throw new IllegalArgumentException(field + " does not fit uint128");
    }
    return a;
  }

  /** One server-sent event of a paid stream. */
  sealed interface Event {}

  /** {@code data: [DONE]}. */
  record Done() implements Event {}

  /** An error event: the provider ended the stream. */
  record Failure(String code, String message) implements Event {}

  /**
   * The first chunk of a paid stream, before anything runs: the stream's call number on the lane,
   * the prompt's token ids, the seed and input hash the node will sign, the lane amount to pay for
   * the prompt to run ({@code due}), the token prices, and the max_tokens it applied if it says.
   */
  record Opening(
      long call,
      int[] promptTokens,
      long seed,
      Bytes32 inputHash,
      TokenAmount due,
      Quote prices,
      OptionalInt maxTokens)
      implements Event {}

  /**
   * A chunk: the text and token ids it carries, the finish reason when it is the last, usage and
   * the checkpoint when it carries them.
   */
  record Chunk(
      String text,
      int[] tokens,
      String finishReason,
      Optional<SignedReceipt> checkpoint,
      OptionalInt completionTokens)
      implements Event {}

  /**
   * Reads one {@code data:} payload.
   *
   * @throws IllegalArgumentException naming what is malformed
   */
  static Event event(String data) {
    if (data.equals("[DONE]")) {
      return new Done();
    }
    JsonNode e = V2Json.parse(data);
    if (e.has("error")) {
      JsonNode error = e.path("error");
      return new Failure(
          error.path("code").asText("PROVIDER_ERROR"), error.path("message").asText(""));
    }
    JsonNode v = e.path("verinfer");
    if (v.has("input_hash") && !v.has("output_hash")) {
      if (!v.path("call").canConvertToLong() || v.path("call").asLong() < 1) {
        throw new IllegalArgumentException(
            "verinfer.call must be the stream's call number (>= 1): is the node paid?");
      }
      JsonNode ids = v.path("prompt_token_ids");
      if (!ids.isArray()) {
        throw new IllegalArgumentException(
            "verinfer.prompt_token_ids is missing: the client needs the prompt's token ids to"
                + " check the input hash it pays for (and to dispute it)");
      }
      int[] prompt = tokens(ids, "verinfer.prompt_token_ids");
      if (prompt.length == 0) {
        throw new IllegalArgumentException("verinfer.prompt_token_ids is empty");
      }
      JsonNode count = v.path("prompt_tokens");
      if (count.canConvertToInt() && count.asInt() != prompt.length) {
        throw new IllegalArgumentException(
            "verinfer.prompt_tokens says "
                + count.asInt()
                + " but prompt_token_ids holds "
                + prompt.length);
      }
      if (!v.path("seed").canConvertToLong()) {
        throw new IllegalArgumentException("verinfer.seed is missing");
      }
      JsonNode prices = v.path("prices");
      OptionalInt max =
          v.path("max_tokens").canConvertToInt()
              ? OptionalInt.of(v.path("max_tokens").asInt())
              : OptionalInt.empty();
      return new Opening(
          v.path("call").asLong(),
          prompt,
          v.path("seed").asLong(),
          Bytes32.fromHex(v.path("input_hash").asText("")),
          amount(v.path("due"), "verinfer.due"),
          new Quote(
              amount(prices.path("input"), "verinfer.prices.input"),
              amount(prices.path("output"), "verinfer.prices.output"),
              OptionalInt.empty()),
          max);
    }
    String text = "";
    String finish = null;
    JsonNode choices = e.path("choices");
    if (choices.isArray() && !choices.isEmpty()) {
      JsonNode c = choices.get(0);
      text =
          c.has("delta") ? c.path("delta").path("content").asText("") : c.path("text").asText("");
      finish = c.path("finish_reason").isTextual() ? c.path("finish_reason").asText() : null;
    }
    int[] tokens = v.has("tokens") ? tokens(v.path("tokens"), "verinfer.tokens") : new int[0];
    Optional<SignedReceipt> receipt = Optional.empty();
    if (v.path("receipt").isTextual()) {
      receipt = Optional.of(PaymentHeaders.decodeReceipt(v.path("receipt").asText()));
    }
    JsonNode completion = e.path("usage").path("completion_tokens");
    return new Chunk(
        text,
        tokens,
        finish,
        receipt,
        completion.canConvertToInt() ? OptionalInt.of(completion.asInt()) : OptionalInt.empty());
  }

  private static int[] tokens(JsonNode array, String field) {
    if (!array.isArray()) {
      throw new IllegalArgumentException(field + " must be an array of token ids");
    }
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode t = array.get(i);
      if (!t.canConvertToInt() || t.asInt() < 0) {
        throw new IllegalArgumentException(field + "[" + i + "] is not a token id");
      }
      out[i] = t.asInt();
    }
    return out;
  }
}
