package io.verinfer.client;

import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What to generate with a text model: a chat ({@code /v1/chat/completions}) or a raw prompt ({@code
 * /v1/completions}), and the sampling parameters a text receipt's input hash covers.
 *
 * <pre>{@code
 * TextGeneration ask =
 *     TextGeneration.chat(List.of(ChatMessage.user("Hello"))).withMaxTokens(64).withTemperature(0);
 * }</pre>
 *
 * A request without a seed gets one from the client before it is sent: the seed is part of what the
 * provider commits to, and a seeded (or greedy, temperature 0) generation is what another provider
 * can re-run token for token under {@link Verification#sampled} or {@link Verification#redundant}.
 *
 * @param messages the chat, or empty for a raw prompt
 * @param prompt the raw prompt, or null for a chat
 * @param maxTokens the most completion tokens; absent: the provider's limit (it reports it)
 * @param temperature 0 (greedy) to 2; OpenAI's default is 1
 * @param topP nucleus sampling mass, (0, 1]
 * @param seed the sampling seed; absent: the client draws one
 * @param stop up to 4 stop sequences
 */
public record TextGeneration(
    List<ChatMessage> messages,
    String prompt,
    OptionalInt maxTokens,
    double temperature,
    double topP,
    OptionalLong seed,
    List<String> stop) {
  /** The most stop sequences a request may carry (OpenAI's limit). */
  public static final int MAX_STOP = 4;

  /** Validates the fields; each error names the field and its limit. */
  public TextGeneration {
    messages = List.copyOf(Objects.requireNonNull(messages, "messages must not be null"));
    Objects.requireNonNull(maxTokens, "maxTokens must not be null (use OptionalInt.empty())");
    Objects.requireNonNull(seed, "seed must not be null (use OptionalLong.empty())");
    stop = List.copyOf(Objects.requireNonNull(stop, "stop must not be null"));
    if (messages.isEmpty() == (prompt == null)) {
      throw new IllegalArgumentException("give either messages (a chat) or a prompt, not both");
    }
    if (maxTokens.isPresent() && maxTokens.getAsInt() <= 0) {
      throw new IllegalArgumentException("max_tokens must be > 0, got " + maxTokens.getAsInt());
    }
    if (!(temperature >= 0 && temperature <= 2)) {
      throw new IllegalArgumentException("temperature must be within [0, 2], got " + temperature);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("top_p must be within (0, 1], got " + topP);
    }
    if (seed.isPresent() && seed.getAsLong() < 0) {
      throw new IllegalArgumentException("seed must not be negative, got " + seed.getAsLong());
    }
    if (stop.size() > MAX_STOP) {
      throw new IllegalArgumentException(
          "stop holds " + stop.size() + " sequences, at most " + MAX_STOP);
    }
    for (String s : stop) {
      if (s.isEmpty()) {
        throw new IllegalArgumentException("a stop sequence must not be empty");
      }
    }
  }

  /** A chat with OpenAI's defaults (temperature 1, top_p 1, no limit, no stop). */
  public static TextGeneration chat(List<ChatMessage> messages) {
    if (messages.isEmpty()) {
      throw new IllegalArgumentException("messages must hold at least one message");
    }
    return new TextGeneration(
        messages, null, OptionalInt.empty(), 1, 1, OptionalLong.empty(), List.of());
  }

  /** A raw prompt with OpenAI's defaults. */
  public static TextGeneration completion(String prompt) {
    Objects.requireNonNull(prompt, "prompt must not be null");
    return new TextGeneration(
        List.of(), prompt, OptionalInt.empty(), 1, 1, OptionalLong.empty(), List.of());
  }

  /** Whether this is a chat (else a raw prompt). */
  public boolean isChat() {
    return prompt == null;
  }

  /** The provider path this request goes to. */
  String path() {
    return isChat() ? "/v1/chat/completions" : "/v1/completions";
  }

  public TextGeneration withMaxTokens(int value) {
    return new TextGeneration(
        messages, prompt, OptionalInt.of(value), temperature, topP, seed, stop);
  }

  public TextGeneration withTemperature(double value) {
    return new TextGeneration(messages, prompt, maxTokens, value, topP, seed, stop);
  }

  public TextGeneration withTopP(double value) {
    return new TextGeneration(messages, prompt, maxTokens, temperature, value, seed, stop);
  }

  public TextGeneration withSeed(long value) {
    return new TextGeneration(
        messages, prompt, maxTokens, temperature, topP, OptionalLong.of(value), stop);
  }

  public TextGeneration withStop(List<String> value) {
    return new TextGeneration(messages, prompt, maxTokens, temperature, topP, seed, value);
  }
}
