package io.verinfer.protocol.text;

import io.verinfer.protocol.TokenAmount;
import java.util.Objects;

/**
 * A provider's price for a text model, base units per token: {@code output} is the on-chain offer
 * price ({@code ProviderRegistry.priceOf}); {@code input} is the provider's quote for prompt
 * tokens, which clients accept only when it is at most the output price.
 */
public record TextPrice(TokenAmount input, TokenAmount output) {
  public TextPrice {
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(output, "output");
    if (output.isZero()) {
      throw new IllegalArgumentException("the output token price must be > 0");
    }
    if (input.compareTo(output) > 0) {
      throw new IllegalArgumentException(
          "the input token price " + input + " must not exceed the output token price " + output);
    }
  }

  /**
   * What {@code promptTokens} prompt tokens and {@code completionTokens} completion tokens cost.
   */
  public TokenAmount cost(long promptTokens, long completionTokens) {
    if (promptTokens < 0 || completionTokens < 0) {
      throw new IllegalArgumentException("token counts must not be negative");
    }
    return input.times(promptTokens).plus(output.times(completionTokens));
  }
}
