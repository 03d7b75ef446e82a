package io.verinfer.runtime.packs.train;

import java.util.Random;

/**
 * Seeded price paths of an AMM pool with the swap fee an ideal fee-setter would charge.
 *
 * <p>Each row is an independent path of {@value #PATH_RETURNS} steps from a start price {@code 100
 * · exp(0.5 · N(0,1))}. The log return of each step is geometric Brownian motion, {@code r = −σ²/2
 * + σ·N(0,1)}, with σ set by a hidden volatility regime:
 *
 * <pre>
 * regime         calm    normal  volatile  very volatile
 * σ per step     0.001   0.003   0.008     0.020
 * fee (bps)      5       15      40        100
 * </pre>
 *
 * The first regime is uniform; before each step the regime moves to a neighbour with probability
 * {@value #SWITCH_PROBABILITY} (up or down alike, staying put at the ends). In the two volatile
 * regimes a step also jumps with probability {@value #JUMP_PROBABILITY}, adding {@code N(0,
 * (4σ)²)}.
 *
 * <p>Target: the mean regime fee over the last {@value #TARGET_WINDOW} steps, plus {@code N(0, 3²)}
 * bps of noise, clamped to [5, 100] bps. Features: {@link AmmFeatures#fromPrices(double[])}.
 */
public final class AmmDataGenerator {

  public static final int PATH_RETURNS = 64;
  public static final int TARGET_WINDOW = 16;
  public static final double SWITCH_PROBABILITY = 0.02;
  public static final double JUMP_PROBABILITY = 0.03;
  static final double[] REGIME_SIGMA = {0.001, 0.003, 0.008, 0.02};
  static final double[] REGIME_FEE_BPS = {5, 15, 40, 100};
  static final double NOISE_BPS = 3;
  static final double MIN_FEE_BPS = 5;
  static final double MAX_FEE_BPS = 100;

  private AmmDataGenerator() {}

  /**
   * {@code rows} paths from {@code seed} as features and fee; the same seed, the same rows. Only
   * the low 48 bits of {@code seed} matter (it seeds {@link java.util.Random}).
   */
  public static Dataset generate(long seed, int rows) {
    if (rows < 1) {
      throw new IllegalArgumentException("rows must be positive, got " + rows);
    }
    Random rnd = new Random(seed);
    double[][] x = new double[rows][];
    double[] y = new double[rows];
    int[] regimes = new int[PATH_RETURNS];
    for (int i = 0; i < rows; i++) {
      double[] prices = simulate(rnd, regimes);
      x[i] = AmmFeatures.fromPrices(prices);
      double fee = 0;
      for (int t = PATH_RETURNS - TARGET_WINDOW; t < PATH_RETURNS; t++) {
        fee += REGIME_FEE_BPS[regimes[t]];
      }
      fee = fee / TARGET_WINDOW + NOISE_BPS * rnd.nextGaussian();
      y[i] = Math.min(MAX_FEE_BPS, Math.max(MIN_FEE_BPS, fee));
    }
    return new Dataset(AmmFeatures.NAMES, x, y);
  }

  /** One regime-switching path; fills {@code regimes[t]} with the regime of return {@code t}. */
  private static double[] simulate(Random rnd, int[] regimes) {
    double[] prices = new double[PATH_RETURNS + 1];
    prices[0] = 100 * StrictMath.exp(0.5 * rnd.nextGaussian());
    int regime = rnd.nextInt(REGIME_SIGMA.length);
    for (int t = 0; t < PATH_RETURNS; t++) {
      if (rnd.nextDouble() < SWITCH_PROBABILITY) {
        int step = rnd.nextBoolean() ? 1 : -1;
        regime = Math.min(REGIME_SIGMA.length - 1, Math.max(0, regime + step));
      }
      regimes[t] = regime;
      double sigma = REGIME_SIGMA[regime];
      double r = -sigma * sigma / 2 + sigma * rnd.nextGaussian();
      if (regime >= 2 && rnd.nextDouble() < JUMP_PROBABILITY) {
        r += 4 * sigma * rnd.nextGaussian();
      }
      prices[t + 1] = prices[t] * StrictMath.exp(r);
    }
    return prices;
  }

  /**
   * A plain geometric Brownian motion path of {@code returns} steps with constant per-step
   * volatility {@code sigma}, no regime switches or jumps: a calm or a volatile market on demand.
   */
  public static double[] constantVolatilityPath(
      long seed, double sigma, int returns, double start) {
    if (returns < 1 || !(sigma >= 0) || !(start > 0)) {
      throw new IllegalArgumentException("need returns >= 1, sigma >= 0 and start > 0");
    }
    Random rnd = new Random(seed);
    double[] prices = new double[returns + 1];
    prices[0] = start;
    for (int t = 0; t < returns; t++) {
      prices[t + 1] = prices[t] * StrictMath.exp(-sigma * sigma / 2 + sigma * rnd.nextGaussian());
    }
    return prices;
  }
}
