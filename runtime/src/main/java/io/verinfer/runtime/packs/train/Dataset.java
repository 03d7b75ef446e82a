package io.verinfer.runtime.packs.train;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Rows of features with one target each (a 0/1 label or a real value). Arrays are shared, not
 * copied: a dataset is built once by a generator and then only read.
 *
 * @param featureNames column names, in input order
 * @param features one row per sample, each {@code featureNames.size()} long
 * @param targets one target per row
 */
public record Dataset(List<String> featureNames, double[][] features, double[] targets) {

  public Dataset {
    featureNames = List.copyOf(Objects.requireNonNull(featureNames, "featureNames"));
    Objects.requireNonNull(features, "features");
    Objects.requireNonNull(targets, "targets");
    if (features.length != targets.length) {
      throw new IllegalArgumentException(
          "features has " + features.length + " rows but targets has " + targets.length);
    }
    for (int i = 0; i < features.length; i++) {
      if (features[i].length != featureNames.size()) {
        throw new IllegalArgumentException(
            "row "
                + i
                + " has "
                + features[i].length
                + " features, expected "
                + featureNames.size());
      }
    }
  }

  /** Train and held-out parts of one dataset. */
  public record Split(Dataset train, Dataset test) {}

  public int rows() {
    return targets.length;
  }

  public int width() {
    return featureNames.size();
  }

  /**
   * The first {@code 1 - testFraction} of the rows for training, the rest held out. Rows are drawn
   * independently by the generators, so a contiguous split is an unbiased random split.
   */
  public Split split(double testFraction) {
    if (!(testFraction > 0 && testFraction < 1)) {
      throw new IllegalArgumentException("testFraction must be in (0, 1), got " + testFraction);
    }
    int cut = (int) Math.round(rows() * (1 - testFraction));
    return new Split(slice(0, cut), slice(cut, rows()));
  }

  public Dataset slice(int from, int to) {
    return new Dataset(
        featureNames,
        Arrays.copyOfRange(features, from, to),
        Arrays.copyOfRange(targets, from, to));
  }

  /** Same names, same values, element by element (records compare arrays by identity). */
  public boolean sameContent(Dataset other) {
    return featureNames.equals(other.featureNames)
        && Arrays.deepEquals(features, other.features)
        && Arrays.equals(targets, other.targets);
  }
}
