package io.verinfer.node.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.VerinferException;
import io.verinfer.runtime.textgen.ChatMessage;
import io.verinfer.runtime.textgen.SamplingParams;
import io.verinfer.runtime.textgen.TextGenerator;
import io.verinfer.runtime.textgen.TextModel;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the body of {@code POST /v1/chat/completions} or {@code /v1/completions} into a {@link
 * TextCall}, refusing with the field at fault and the limit: wrong types, values out of range, an
 * empty prompt, and a prompt plus {@code max_tokens} beyond the model's context. Tokenizing happens
 * here (it is cheap); nothing runs the model.
 */
public final class TextCallParser {
  /** {@code max_tokens} when the request gives none (less when the context is fuller). */
  public static final int DEFAULT_MAX_TOKENS = 256;

  private static final SecureRandom SEEDS = new SecureRandom();

  private final TextCatalog catalog;

  public TextCallParser(TextCatalog catalog) {
    this.catalog = catalog;
  }

  public TextCall chat(JsonNode body) {
    String asked = model(body);
    TextModel model = catalog.served(asked);
    TextGenerator generator = catalog.generator().orElseThrow();
    List<ChatMessage> messages = messages(body.get("messages"));
    int[] prompt = generator.encode(model.name(), generator.renderChat(model.name(), messages));
    return call(body, asked, model, prompt, "messages");
  }

  public TextCall completion(JsonNode body) {
    String asked = model(body);
    TextModel model = catalog.served(asked);
    TextGenerator generator = catalog.generator().orElseThrow();
    JsonNode p = body.get("prompt");
    if (p == null || p.isNull()) {
      throw bad("prompt", "'prompt' is missing: give the text to continue as a string");
    }
    if (!p.isTextual()) {
      throw bad("prompt", "'prompt' must be a string (arrays and token ids are not accepted)");
    }
    if (p.asText().isEmpty()) {
      throw new VerinferException(ErrorCode.EMPTY_INPUT, "prompt", "'prompt' is empty");
    }
    int[] prompt = generator.encode(model.name(), p.asText());
    return call(body, asked, model, prompt, "prompt");
  }

  private TextCall call(JsonNode body, String asked, TextModel model, int[] prompt, String where) {
    if (prompt.length == 0) {
      throw new VerinferException(ErrorCode.EMPTY_INPUT, where, "the prompt has no tokens");
    }
    JsonNode n = body.get("n");
    if (n != null && !n.isNull() && !(n.isIntegralNumber() && n.asLong() == 1)) {
      throw bad("n", "'n' must be 1: this node generates one choice per request");
    }
    double temperature = number(body, "temperature", 1.0);
    if (!(temperature >= 0 && temperature <= 2)) {
      throw bad("temperature", "'temperature' must be within [0, 2], got " + temperature);
    }
    double topP = number(body, "top_p", 1.0);
    if (!(topP > 0 && topP <= 1)) {
      throw bad("top_p", "'top_p' must be within (0, 1], got " + topP);
    }
    boolean seedChosen = !present(body, "seed");
    long seed;
    if (seedChosen) {
      seed = SEEDS.nextLong(1L << 53); // exact in every JSON reader
    } else {
      JsonNode s = body.get("seed");
      if (!s.isIntegralNumber() || !s.canConvertToLong()) {
        throw bad("seed", "'seed' must be an integer that fits 64 bits");
      }
      seed = s.asLong();
    }
    int context = model.contextLength();
    String maxField = present(body, "max_tokens") ? "max_tokens" : "max_completion_tokens";
    int maxTokens;
    if (present(body, maxField)) {
      JsonNode m = body.get(maxField);
      if (!m.isIntegralNumber() || !m.canConvertToInt() || m.asInt() < 1) {
        throw bad(maxField, "'" + maxField + "' must be a positive integer");
      }
      maxTokens = m.asInt();
      if (maxTokens > context) {
        throw new VerinferException(
            ErrorCode.CONTEXT_LENGTH_EXCEEDED,
            maxField,
            "'"
                + maxField
                + "' is "
                + maxTokens
                + ", above the context of "
                + model.name()
                + " ("
                + context
                + " tokens for prompt and completion together)");
      }
      if ((long) prompt.length + maxTokens > context) {
        throw new VerinferException(
            ErrorCode.CONTEXT_LENGTH_EXCEEDED,
            where,
            "the prompt has "
                + prompt.length
                + " tokens and '"
                + maxField
                + "' is "
                + maxTokens
                + ": "
                + (prompt.length + (long) maxTokens)
                + " tokens, above the context of "
                + model.name()
                + " ("
                + context
                + " tokens); shorten the prompt or ask for fewer tokens");
      }
    } else {
      if (prompt.length >= context) {
        throw new VerinferException(
            ErrorCode.CONTEXT_LENGTH_EXCEEDED,
            where,
            "the prompt has "
                + prompt.length
                + " tokens, which leaves no room for a completion in the context of "
                + model.name()
                + " ("
                + context
                + " tokens)");
      }
      maxTokens = Math.min(DEFAULT_MAX_TOKENS, context - prompt.length);
    }
    List<String> stop = stop(body.get("stop"));
    boolean stream = bool(body, "stream", false);
    boolean includeUsage = false;
    JsonNode options = body.get("stream_options");
    if (options != null && !options.isNull()) {
      if (!options.isObject()) {
        throw bad("stream_options", "'stream_options' must be an object");
      }
      includeUsage = bool(options, "include_usage", false);
    }
    return new TextCall(
        asked,
        model,
        prompt,
        new SamplingParams(temperature, topP, seed, maxTokens, stop),
        seedChosen,
        stream,
        includeUsage);
  }

  private static String model(JsonNode body) {
    JsonNode m = body.get("model");
    if (m == null || !m.isTextual() || m.asText().isBlank()) {
      throw bad("model", "'model' must name a text model (see GET /v1/models)");
    }
    return m.asText();
  }

  private static List<ChatMessage> messages(JsonNode node) {
    if (node == null || node.isNull()) {
      throw bad("messages", "'messages' is missing: give an array of {role, content} messages");
    }
    if (!node.isArray()) {
      throw bad("messages", "'messages' must be an array of {role, content} messages");
    }
    if (node.isEmpty()) {
      throw new VerinferException(
          ErrorCode.EMPTY_INPUT, "messages", "'messages' is empty: give at least one message");
    }
    List<ChatMessage> out = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode m = node.get(i);
      String at = "messages[" + i + "]";
      if (!m.isObject()) {
        throw bad(at, at + " must be an object with 'role' and 'content'");
      }
      JsonNode role = m.get("role");
      if (role == null || !role.isTextual() || !ChatMessage.ROLES.contains(role.asText())) {
        throw bad(
            at + ".role",
            at
                + ".role must be \"system\", \"user\" or \"assistant\""
                + (role == null ? "" : ", got " + role));
      }
      JsonNode content = m.get("content");
      if (content == null || !content.isTextual()) {
        throw bad(
            at + ".content",
            at + ".content must be a string (content parts and tool calls are not accepted)");
      }
      out.add(new ChatMessage(role.asText(), content.asText()));
    }
    return out;
  }

  private static List<String> stop(JsonNode node) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    List<String> stop = new ArrayList<>();
    if (node.isTextual()) {
      stop.add(node.asText());
    } else if (node.isArray()) {
      if (node.size() > SamplingParams.MAX_STOP_SEQUENCES) {
        throw bad(
            "stop",
            "'stop' holds "
                + node.size()
                + " sequences; at most "
                + SamplingParams.MAX_STOP_SEQUENCES);
      }
      for (int i = 0; i < node.size(); i++) {
        if (!node.get(i).isTextual()) {
          throw bad("stop[" + i + "]", "stop[" + i + "] must be a string");
        }
        stop.add(node.get(i).asText());
      }
    } else {
      throw bad("stop", "'stop' must be a string or an array of strings");
    }
    for (int i = 0; i < stop.size(); i++) {
      if (stop.get(i).isEmpty()) {
        throw bad("stop", "stop sequences must not be empty");
      }
    }
    return stop;
  }

  private static boolean present(JsonNode body, String field) {
    return body.has(field) && !body.get(field).isNull();
  }

  private static double number(JsonNode body, String field, double otherwise) {
    if (!present(body, field)) {
      return otherwise;
    }
    JsonNode v = body.get(field);
    if (!v.isNumber()) {
      throw bad(field, "'" + field + "' must be a number");
    }
    return v.asDouble();
  }

  private static boolean bool(JsonNode body, String field, boolean otherwise) {
    if (!present(body, field)) {
      return otherwise;
    }
    JsonNode v = body.get(field);
    if (!v.isBoolean()) {
      throw bad(field, "'" + field + "' must be true or false");
    }
    return v.asBoolean();
  }

  private static VerinferException bad(String field, String message) {
    return new VerinferException(ErrorCode.MALFORMED_REQUEST, field, message);
  }
}
