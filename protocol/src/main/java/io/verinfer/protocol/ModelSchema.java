package io.verinfer.protocol;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a model takes and gives: its declared inputs and outputs and the most input bytes one
 * request may carry. Every request is checked against it before the runtime sees it.
 */
public record ModelSchema(List<TensorSpec> inputs, List<TensorSpec> outputs, long maxInputBytes) {
  public ModelSchema {
    inputs = List.copyOf(Objects.requireNonNull(inputs, "inputs"));
    outputs = List.copyOf(Objects.requireNonNull(outputs, "outputs"));
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("a model schema needs at least one input");
    }
    if (maxInputBytes <= 0) {
      throw new IllegalArgumentException("maxInputBytes must be positive, was " + maxInputBytes);
    }
    Set<String> names = new HashSet<>();
    for (TensorSpec s : inputs) {
      if (!names.add(s.name())) {
        throw new IllegalArgumentException("input " + s.name() + " is declared twice");
      }
    }
  }

  public Optional<TensorSpec> input(String name) {
    return inputs.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /** True when every input and output has a dynamic first axis (requests can be stacked). */
  public boolean batchable() {
    return inputs.stream().allMatch(TensorSpec::hasBatchAxis)
        && outputs.stream().allMatch(TensorSpec::hasBatchAxis);
  }
}
