package io.verinfer.client.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.verinfer.client.ChatMessage;
import io.verinfer.client.TextGeneration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an OpenAI chat/completions request into a {@link TextGeneration}; every refusal is a 400
 * naming the field and the limit, as the provider node would answer it.
 */
final class OpenAiText {
  private OpenAiText() {}

  static TextGeneration generation(JsonNode body, boolean chat) {
    TextGeneration g =
        chat ? TextGeneration.chat(messages(body.get("messages"))) : prompt(body.get("prompt"));
    JsonNode max =
        body.has("max_tokens") ? body.get("max_tokens") : body.get("max_completion_tokens");
    String maxField = body.has("max_tokens") ? "max_tokens" : "max_completion_tokens";
    if (max != null && !max.isNull()) {
      if (!max.canConvertToInt() || !max.isIntegralNumber() || max.asInt() < 1) {
        throw bad(maxField, "'" + maxField + "' must be an integer >= 1");
      }
      g = g.withMaxTokens(max.asInt());
    }
    JsonNode t = body.get("temperature");
    if (t != null && !t.isNull()) {
      if (!t.isNumber() || !(t.asDouble() >= 0 && t.asDouble() <= 2)) {
        throw bad("temperature", "'temperature' must be a number from 0 to 2");
      }
      g = g.withTemperature(t.asDouble());
    }
    JsonNode p = body.get("top_p");
    if (p != null && !p.isNull()) {
      if (!p.isNumber() || !(p.asDouble() > 0 && p.asDouble() <= 1)) {
        throw bad("top_p", "'top_p' must be a number above 0 and at most 1");
      }
      g = g.withTopP(p.asDouble());
    }
    JsonNode seed = body.get("seed");
    if (seed != null && !seed.isNull()) {
      if (!seed.isIntegralNumber() || !seed.canConvertToLong() || seed.asLong() < 0) {
        throw bad("seed", "'seed' must be an integer from 0 to 2^63-1");
      }
      g = g.withSeed(seed.asLong());
    }
    JsonNode stop = body.get("stop");
    if (stop != null && !stop.isNull()) {
      List<String> stops = new ArrayList<>();
      if (stop.isTextual()) {
        stops.add(stop.asText());
      } else if (stop.isArray()) {
        stop.forEach(s -> stops.add(s.isTextual() ? s.asText() : ""));
      } else {
        throw bad("stop", "'stop' must be a string or an array of strings");
      }
      if (stops.size() > TextGeneration.MAX_STOP || stops.stream().anyMatch(String::isEmpty)) {
        throw bad(
            "stop", "'stop' must hold 1 to " + TextGeneration.MAX_STOP + " non-empty strings");
      }
      g = g.withStop(stops);
    }
    JsonNode n = body.get("n");
    if (n != null && !n.isNull() && !(n.isIntegralNumber() && n.asInt() == 1)) {
      throw bad("n", "'n' must be 1: one completion per request");
    }
    return g;
  }

  private static List<ChatMessage> messages(JsonNode messages) {
    if (messages == null || messages.isNull()) {
      throw new GatewayError(
          400, "EMPTY_INPUT", "messages", "'messages' is missing: give at least one message");
    }
    if (!messages.isArray()) {
      throw bad("messages", "'messages' must be an array of {role, content}");
    }
    if (messages.isEmpty()) {
      throw new GatewayError(400, "EMPTY_INPUT", "messages", "'messages' must not be empty");
    }
    List<ChatMessage> out = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) {
      JsonNode m = messages.get(i);
      String at = "messages[" + i + "]";
      if (!m.isObject()) {
        throw bad(at, at + " must be an object {role, content}");
      }
      JsonNode role = m.get("role");
      if (role == null || !role.isTextual() || !ChatMessage.ROLES.contains(role.asText())) {
        throw bad(
            at + ".role",
            at
                + ".role must be \"system\", \"user\" or \"assistant\""
                + (role != null && role.isTextual() ? ", not \"" + role.asText() + "\"" : ""));
      }
      out.add(new ChatMessage(role.asText(), content(m.get("content"), at + ".content")));
    }
    return out;
  }

  /** A string, or OpenAI's array of content parts of which only {@code text} parts are read. */
  private static String content(JsonNode content, String at) {
    if (content != null && content.isTextual()) {
      return content.asText();
    }
    if (content != null && content.isArray()) {
      StringBuilder text = new StringBuilder();
      for (JsonNode part : content) {
        if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
          throw bad(
              at,
              at
                  + " parts must be {\"type\": \"text\", \"text\": string}: text models read text only");
        }
        text.append(part.get("text").asText());
      }
      return text.toString();
    }
    throw bad(at, at + " must be a string");
  }

  private static TextGeneration prompt(JsonNode prompt) {
    JsonNode p = prompt;
    if (p != null && p.isArray() && p.size() == 1) {
      p = p.get(0);
    }
    if (p == null || p.isNull() || (p.isTextual() && p.asText().isEmpty())) {
      throw new GatewayError(400, "EMPTY_INPUT", "prompt", "'prompt' must be a non-empty string");
    }
    if (!p.isTextual()) {
      throw bad("prompt", "'prompt' must be a string (or an array of one string)");
    }
    return TextGeneration.completion(p.asText());
  }

  static boolean bool(JsonNode body, String field, boolean fallback) {
    return bool(body, field, fallback, field);
  }

  static boolean bool(JsonNode body, String field, boolean fallback, String parent) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull() || body.isMissingNode()) {
      return fallback;
    }
    if (!v.isBoolean()) {
      String name = parent.equals(field) ? field : parent + "." + field;
      throw bad(name, "'" + name + "' must be true or false");
    }
    return v.asBoolean();
  }

  private static GatewayError bad(String field, String message) {
    return new GatewayError(400, "MALFORMED_REQUEST", field, message);
  }
}
