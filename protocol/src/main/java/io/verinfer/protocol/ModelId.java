package io.verinfer.protocol;

/**
 * The on-chain id of a published model ({@code uint64} in Solidity). Zero means "no model"
 * on-chain, so valid ids start at 1; Java's signed {@code long} limits ids to 2^63 − 1.
 *
 * @param value the model id, at least 1
 */
public record ModelId(long value) {
  /** Validates that the id is at least 1. */
  public ModelId {
    if (value < 1) {
      throw new IllegalArgumentException(
          "modelId must be at least 1 (0 means no model on-chain), got " + value);
    }
  }

  /** Shorthand for the constructor. */
  public static ModelId of(long value) {
    return new ModelId(value);
  }

  @Override
  public String toString() {
    return Long.toString(value);
  }
}
