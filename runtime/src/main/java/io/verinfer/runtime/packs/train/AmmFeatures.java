package io.verinfer.runtime.packs.train;

import java.util.List;

/**
 * The {@code amm-fee} model's input: eight numbers computed from the most recent prices of a pool.
 * Only log returns enter, so the features do not depend on the price level or quote unit.
 *
 * <p>From the last {@code n = min(prices.length - 1, 64)} log returns {@code r_t = ln(p_t /
 * p_{t-1})}, with {@code ε = 1e-5} keeping logs finite:
 *
 * <ol>
 *   <li>{@code log_vol_all}: {@code ln(ε + sqrt(mean r²))} over all n returns (realized volatility)
 *   <li>{@code log_vol_16}: the same over the last min(16, n) returns
 *   <li>{@code log_vol_4}: the same over the last min(4, n) returns
 *   <li>{@code log_abs_return}: {@code ln(ε + |Σ r|)}, the absolute return across the window
 *   <li>{@code log_max_drawdown}: {@code ln(ε + max_t (max_{s≤t} ln p_s − ln p_t))}
 *   <li>{@code log_range}: {@code ln(ε + (max p − min p) / mean p)} over the window's prices
 *   <li>{@code log_abs_move}: {@code ln(ε + mean |r|)}, a volume proxy (trading moves the price)
 *   <li>{@code jump_ratio}: {@code max |r| / (ε + sqrt(mean r²))}, large when one move dominates
 * </ol>
 */
public final class AmmFeatures {

  public static final List<String> NAMES =
      List.of(
          "log_vol_all",
          "log_vol_16",
          "log_vol_4",
          "log_abs_return",
          "log_max_drawdown",
          "log_range",
          "log_abs_move",
          "jump_ratio");

  /** Most returns looked at; older prices are ignored. */
  public static final int WINDOW = 64;

  /** Fewest returns accepted (so at least {@code MIN_RETURNS + 1} prices). */
  public static final int MIN_RETURNS = 8;

  static final double EPSILON = 1e-5;

  private AmmFeatures() {}

  /**
   * The feature vector for a price path, oldest price first.
   *
   * @throws IllegalArgumentException if fewer than {@link #MIN_RETURNS} + 1 prices are given or a
   *     price is not a positive finite number
   */
  public static double[] fromPrices(double[] prices) {
    if (prices == null || prices.length < MIN_RETURNS + 1) {
      throw new IllegalArgumentException(
          "prices needs at least "
              + (MIN_RETURNS + 1)
              + " values, got "
              + (prices == null ? "null" : prices.length));
    }
    int n = Math.min(prices.length - 1, WINDOW);
    int first = prices.length - 1 - n;
    double[] logPrices = new double[n + 1];
    for (int i = 0; i <= n; i++) {
      double p = prices[first + i];
      if (!(p > 0) || Double.isInfinite(p)) {
        throw new IllegalArgumentException(
            "prices[" + (first + i) + "] must be a positive finite number, got " + p);
      }
      logPrices[i] = StrictMath.log(p);
    }
    double[] r = new double[n];
    for (int t = 0; t < n; t++) {
      r[t] = logPrices[t + 1] - logPrices[t];
    }
    double volAll = realizedVolatility(r, n);
    double sum = 0;
    double absSum = 0;
    double maxAbs = 0;
    for (double v : r) {
      sum += v;
      absSum += Math.abs(v);
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
    double peak = logPrices[0];
    double drawdown = 0;
    double min = Double.POSITIVE_INFINITY;
    double max = 0;
    double priceSum = 0;
    for (int i = 0; i <= n; i++) {
      peak = Math.max(peak, logPrices[i]);
      drawdown = Math.max(drawdown, peak - logPrices[i]);
      double p = prices[first + i];
      min = Math.min(min, p);
      max = Math.max(max, p);
      priceSum += p;
    }
    return new double[] {
      log(volAll),
      log(realizedVolatility(r, Math.min(16, n))),
      log(realizedVolatility(r, Math.min(4, n))),
      log(Math.abs(sum)),
      log(drawdown),
      log((max - min) / (priceSum / (n + 1))),
      log(absSum / n),
      maxAbs / (EPSILON + volAll)
    };
  }

  /** Root mean square of the last {@code count} returns. */
  private static double realizedVolatility(double[] r, int count) {
    double squares = 0;
    for (int t = r.length - count; t < r.length; t++) {
      squares += r[t] * r[t];
    }
    return Math.sqrt(squares / count);
  }

  private static double log(double v) {
    return StrictMath.log(EPSILON + v);
  }
}
