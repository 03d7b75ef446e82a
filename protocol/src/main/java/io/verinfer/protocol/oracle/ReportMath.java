package io.verinfer.protocol.oracle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The report arithmetic of {@code OracleMath.aggregate}, in Java: per provider the lower median
 * (index ⌊(k − 1)/2⌋ of the sorted values) of each figure over the k adapters' vectors, and per
 * adapter how many providers its vector is out of tolerance on. The transmitter uses it to show
 * what a report will do before sending it; the tests check the contract against it.
 */
public final class ReportMath {
  /** Latencies this close to the median always agree (OracleMath.LATENCY_FLOOR_MS). */
  public static final long LATENCY_FLOOR_MS = 25;

  /**
   * @param medians one per provider
   * @param deviant one per adapter vector, in the vectors' order
   */
  public record Result(List<Figures> medians, int[] deviant) {}

  private ReportMath() {}

  public static Result aggregate(
      List<List<Figures>> vectors, int toleranceBps, int latencyToleranceBps) {
    int k = vectors.size();
    if (k == 0) {
      throw new IllegalArgumentException("no vectors");
    }
    int n = vectors.get(0).size();
    List<Figures> medians = new ArrayList<>(n);
    int[] deviant = new int[k];
    long[] uptime = new long[k];
    long[] latency = new long[k];
    long[] canary = new long[k];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < k; j++) {
        Figures f = vectors.get(j).get(i);
        uptime[j] = f.uptimeBps();
        latency[j] = f.latencyMs();
        canary[j] = f.canaryBps();
      }
      long mu = lowerMedian(uptime);
      long ml = lowerMedian(latency);
      long mc = lowerMedian(canary);
      medians.add(new Figures((int) mu, ml, (int) mc));
      long slack = Math.max(ml * latencyToleranceBps / 10_000, LATENCY_FLOOR_MS);
      for (int j = 0; j < k; j++) {
        Figures f = vectors.get(j).get(i);
        if (Math.abs(f.uptimeBps() - mu) > toleranceBps
            || Math.abs(f.canaryBps() - mc) > toleranceBps
            || Math.abs(f.latencyMs() - ml) > slack) {
          deviant[j]++;
        }
      }
    }
    return new Result(List.copyOf(medians), deviant);
  }

  static long lowerMedian(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[(sorted.length - 1) / 2];
  }

  /** Whether {@code deviant} of {@code n} providers is a strike at {@code maxDeviantBps}. */
  public static boolean struck(int deviant, int n, int maxDeviantBps) {
    return (long) deviant * 10_000 > (long) maxDeviantBps * n;
  }
}
