package io.verinfer.protocol;

import java.util.List;
import java.util.Objects;

/**
 * A declared input or output: name, element type and shape, where {@code -1} marks a dynamic
 * dimension (the batch axis, a sequence length).
 */
public record TensorSpec(String name, DataType datatype, List<Long> shape) {
  public TensorSpec {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("tensor spec name must not be blank");
    }
    Objects.requireNonNull(datatype, "datatype of " + name);
    shape = List.copyOf(Objects.requireNonNull(shape, "shape of " + name));
    for (Long d : shape) {
      if (d == null || (d < 1 && d != -1)) {
        throw new IllegalArgumentException(
            "shape of " + name + " may hold positive sizes or -1 (dynamic), got " + shape);
      }
    }
  }

  /** Whether {@code actual} fits this spec: same rank, equal sizes where fixed. */
  public boolean accepts(long[] actual) {
    if (actual.length != shape.size()) {
      return false;
    }
    for (int i = 0; i < actual.length; i++) {
      long want = shape.get(i);
      if (actual[i] < 0 || (want != -1 && want != actual[i])) {
        return false;
      }
    }
    return true;
  }

  /** True when the first dimension is dynamic: requests can be stacked along it. */
  public boolean hasBatchAxis() {
    return !shape.isEmpty() && shape.get(0) == -1;
  }
}
