package io.verinfer.protocol;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one function every verifier uses to decide whether two runs of a model agree. Tensors are
 * matched by name and must have the same datatype and shape. Integer and boolean elements must be
 * equal; floating-point elements a and b agree when {@code |a − b| ≤ tol · max(1, |a|, |b|)} with
 * {@code tol = tolerancePpm / 1,000,000} (a mixed absolute/relative bound), and NaN agrees only
 * with NaN.
 */
public final class OutputComparator {
  private OutputComparator() {}

  /** Why two outputs disagree, naming the first tensor and element that differs. */
  public record Mismatch(String tensor, long index, String reason) {}

  public static boolean agree(List<Tensor> a, List<Tensor> b, long tolerancePpm) {
    return firstMismatch(a, b, tolerancePpm).isEmpty();
  }

  public static Optional<Mismatch> firstMismatch(
      List<Tensor> a, List<Tensor> b, long tolerancePpm) {
    if (tolerancePpm < 0) {
      throw new IllegalArgumentException("tolerancePpm must be >= 0");
    }
    double tol = tolerancePpm / 1_000_000.0;
    Map<String, Tensor> byName = new HashMap<>();
    for (Tensor t : b) {
      byName.put(t.name(), t);
    }
    if (a.size() != b.size()) {
      return Optional.of(
          new Mismatch("*", -1, "different tensor count " + a.size() + " vs " + b.size()));
    }
    for (Tensor x : a) {
      Tensor y = byName.get(x.name());
      if (y == null) {
        return Optional.of(new Mismatch(x.name(), -1, "missing in the other output"));
      }
      if (x.datatype() != y.datatype() || !Arrays.equals(x.shape(), y.shape())) {
        return Optional.of(
            new Mismatch(
                x.name(),
                -1,
                x.datatype()
                    + Arrays.toString(x.shape())
                    + " vs "
                    + y.datatype()
                    + Arrays.toString(y.shape())));
      }
      boolean fp = x.datatype().isFloatingPoint();
      if (!fp) {
        // integers and booleans: element bytes exactly (through double, INT64s above 2^53 that
        // differ would compare equal)
        Optional<Mismatch> m = firstExactMismatch(x, y);
        if (m.isPresent()) {
          return m;
        }
        continue;
      }
      double[] xs = x.toDoubles();
      double[] ys = y.toDoubles();
      for (int i = 0; i < xs.length; i++) {
        if (!elementAgrees(xs[i], ys[i], fp, tol)) {
          return Optional.of(new Mismatch(x.name(), i, xs[i] + " vs " + ys[i]));
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<Mismatch> firstExactMismatch(Tensor x, Tensor y) {
    java.nio.ByteBuffer a = x.buffer();
    java.nio.ByteBuffer b = y.buffer();
    int width = x.datatype().byteSize();
    long n = x.elementCount();
    for (int i = 0; i < n; i++) {
      long u = element(a, i, width);
      long v = element(b, i, width);
      if (u != v) {
        return Optional.of(new Mismatch(x.name(), i, u + " vs " + v));
      }
    }
    return Optional.empty();
  }

  private static long element(java.nio.ByteBuffer buf, int i, int width) {
    return switch (width) {
      case 1 -> buf.get(i);
      case 2 -> buf.getShort(i * 2);
      case 4 -> buf.getInt(i * 4);
      default -> buf.getLong(i * 8);
    };
  }

  static boolean elementAgrees(double a, double b, boolean floatingPoint, double tol) {
    if (!floatingPoint) {
      return a == b;
    }
    if (Double.isNaN(a) || Double.isNaN(b)) {
      return Double.isNaN(a) && Double.isNaN(b);
    }
    if (a == b) {
      return true; // also equal infinities
    }
    double scale = Math.max(1.0, Math.max(Math.abs(a), Math.abs(b)));
    return Math.abs(a - b) <= tol * scale;
  }
}
