package io.verinfer.runtime.packs.train;

import java.util.Arrays;
import java.util.Comparator;

/** Quality figures for held-out predictions. */
public final class Metrics {

  private Metrics() {}

  /**
   * Area under the ROC curve: the probability that a random positive scores above a random
   * negative, ties counting half (Mann-Whitney U with average ranks).
   */
  public static double auc(double[] labels, double[] scores) {
    checkSameLength(labels, scores);
    Integer[] order = new Integer[scores.length];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, Comparator.comparingDouble(i -> scores[i]));
    double positiveRankSum = 0;
    long positives = 0;
    int i = 0;
    while (i < order.length) {
      int j = i;
      while (j + 1 < order.length && scores[order[j + 1]] == scores[order[i]]) {
        j++;
      }
      double averageRank = (i + j) / 2.0 + 1;
      for (int k = i; k <= j; k++) {
        if (labels[order[k]] > 0.5) {
          positiveRankSum += averageRank;
          positives++;
        }
      }
      i = j + 1;
    }
    long negatives = scores.length - positives;
    if (positives == 0 || negatives == 0) {
      throw new IllegalArgumentException("AUC needs both classes; positives=" + positives);
    }
    return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
  }

  /** Coefficient of determination: 1 - SSE / SST. */
  public static double r2(double[] actual, double[] predicted) {
    checkSameLength(actual, predicted);
    double mean = Arrays.stream(actual).sum() / actual.length;
    double sse = 0;
    double sst = 0;
    for (int i = 0; i < actual.length; i++) {
      sse += (actual[i] - predicted[i]) * (actual[i] - predicted[i]);
      sst += (actual[i] - mean) * (actual[i] - mean);
    }
    return 1 - sse / sst;
  }

  /** Mean absolute error. */
  public static double mae(double[] actual, double[] predicted) {
    checkSameLength(actual, predicted);
    double sum = 0;
    for (int i = 0; i < actual.length; i++) {
      sum += Math.abs(actual[i] - predicted[i]);
    }
    return sum / actual.length;
  }

  /** Fraction of labels above one half. */
  public static double positiveRate(double[] labels) {
    return Arrays.stream(labels).filter(v -> v > 0.5).count() / (double) labels.length;
  }

  /**
   * Rounded to {@code digits} decimals, so figures in a manifest do not flicker in the last bit.
   */
  public static double round(double value, int digits) {
    double scale = StrictMath.pow(10, digits);
    return Math.round(value * scale) / scale;
  }

  private static void checkSameLength(double[] a, double[] b) {
    if (a.length != b.length || a.length == 0) {
      throw new IllegalArgumentException(
          "need two non-empty arrays of equal length, got " + a.length + " and " + b.length);
    }
  }
}
