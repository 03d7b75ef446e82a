package io.verinfer.runtime.textgen;

import java.util.List;
import java.util.Objects;

/**
 * How to pick each next token. {@code temperature == 0} is greedy (the highest logit, the lowest id
 * on a tie); otherwise tokens are drawn from softmax(logits / temperature) restricted to the
 * smallest set of most likely tokens whose probability reaches {@code topP}, with one {@code
 * java.util.SplittableRandom(seed)} draw per token, so a seeded request is reproducible on the same
 * runtime build.
 *
 * @param temperature 0 (greedy) to 2, as in the OpenAI API
 * @param topP nucleus mass in (0, 1]
 * @param seed the sampling seed (the API's {@code seed}; chosen by the server when absent)
 * @param maxTokens the most completion tokens to generate, > 0
 * @param stop up to 4 non-empty stop sequences: generation ends when the text produced contains
 *     one, and the returned text stops before it
 */
public record SamplingParams(
    double temperature, double topP, long seed, int maxTokens, List<String> stop) {
  public static final int MAX_STOP_SEQUENCES = 4;

  public SamplingParams {
    if (!(temperature >= 0 && temperature <= 2)) {
      throw new IllegalArgumentException("temperature must be within [0, 2], got " + temperature);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("top_p must be within (0, 1], got " + topP);
    }
    if (maxTokens <= 0) {
      throw new IllegalArgumentException("max_tokens must be > 0, got " + maxTokens);
    }
    stop = List.copyOf(Objects.requireNonNull(stop, "stop"));
    if (stop.size() > MAX_STOP_SEQUENCES) {
      throw new IllegalArgumentException(
          "at most " + MAX_STOP_SEQUENCES + " stop sequences, got " + stop.size());
    }
    for (String s : stop) {
      if (s.isEmpty()) {
        throw new IllegalArgumentException("stop sequences must not be empty");
      }
    }
  }

  public static SamplingParams greedy(int maxTokens) {
    return new SamplingParams(0, 1, 0, maxTokens, List.of());
  }

  public boolean isGreedy() {
    return temperature == 0;
  }
}
