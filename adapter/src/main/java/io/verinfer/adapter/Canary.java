package io.verinfer.adapter;

import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Tensor;
import java.util.List;
import java.util.Objects;

/**
 * A paid inference whose right answer the adapter knows: a provider that answers {@code inputs}
 * with outputs outside {@code tolerancePpm} of {@code expected} (the model's own tolerance) fails
 * it. The operator computes {@code expected} once with the model it fetched by CID.
 */
public record Canary(ModelId model, List<Tensor> inputs, List<Tensor> expected, long tolerancePpm) {
  public Canary {
    Objects.requireNonNull(model, "model");
    inputs = List.copyOf(inputs);
    expected = List.copyOf(expected);
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("a canary needs at least one input tensor");
    }
    if (expected.isEmpty()) {
      throw new IllegalArgumentException("a canary needs its expected output tensors");
    }
    if (tolerancePpm < 0) {
      throw new IllegalArgumentException("tolerancePpm must be >= 0, got " + tolerancePpm);
    }
  }
}
