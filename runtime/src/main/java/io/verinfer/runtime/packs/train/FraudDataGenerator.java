package io.verinfer.runtime.packs.train;

import java.util.List;
import java.util.Random;

/**
 * Seeded synthetic card transactions with a fraud label.
 *
 * <p>Each row is drawn independently; the features of a row come first and the label is then drawn
 * from a hidden logistic rule over them, so the best possible classifier is known and a model can
 * only approach it. Columns (raw units; the model takes them as they are):
 *
 * <ol>
 *   <li>{@code amount_usd}: log-normal, {@code exp(3.6 + 1.15·N(0,1))}, median ≈ $37
 *   <li>{@code hour}: local hour 0–23; 85% daytime {@code round(N(14, 3.5)) mod 24}, else uniform
 *   <li>{@code merchant_risk}: category 0–4 (grocery, retail, travel/online, electronics/gift
 *       cards, gambling/crypto) with probabilities .34/.30/.18/.12/.06
 *   <li>{@code distance_km}: from the card holder's home, log-normal {@code exp(1.6 + 1.3·N(0,1))}
 *   <li>{@code txn_last_hour}: earlier transactions of the card in the last hour, Poisson(0.35)
 *   <li>{@code account_age_days}: {@code floor(min(3650, exp(6 + 1.2·N(0,1))))}
 *   <li>{@code card_present}: 1 if the card was physically present (62%, 30% when foreign)
 *   <li>{@code foreign}: 1 if abroad (60% when distance &gt; 500 km, else 2%)
 * </ol>
 *
 * <p>The hidden rule: {@code z = -7.0 + 2.0·softplus(ln(1+amount) - 5) + 0.8·risk + 1.5·night +
 * 1.3·min(txn, 6) + 2.2·[age < 30] + 0.8·[age < 180] + 0.45·ln(1+distance) - 2.8·cardPresent +
 * 2.0·foreign·(1-cardPresent) + 1.5·night·[risk ≥ 3] + N(0, 0.5)}, where {@code night} means hour
 * 0–5; the row is fraud with probability {@code sigmoid(z)} (≈ 3.4% of rows). Ranking rows by the
 * noise-free {@code z} gives an AUC of ≈ 0.93, the ceiling for any model.
 */
public final class FraudDataGenerator {

  public static final List<String> FEATURES =
      List.of(
          "amount_usd",
          "hour",
          "merchant_risk",
          "distance_km",
          "txn_last_hour",
          "account_age_days",
          "card_present",
          "foreign");

  /** Columns the model reads on a log scale, {@code ln(1 + max(x, 0))}: the heavy-tailed ones. */
  public static final List<String> LOG_SCALED =
      List.of("amount_usd", "distance_km", "txn_last_hour", "account_age_days");

  static final double INTERCEPT = -7.0;
  private static final double[] RISK_CUMULATIVE = {0.34, 0.64, 0.82, 0.94, 1.0};
  private static final int MAX_TXN = 20;

  private FraudDataGenerator() {}

  /**
   * {@code rows} transactions from {@code seed}; the same seed always gives the same rows. Only the
   * low 48 bits of {@code seed} matter (it seeds {@link java.util.Random}).
   */
  public static Dataset generate(long seed, int rows) {
    if (rows < 1) {
      throw new IllegalArgumentException("rows must be positive, got " + rows);
    }
    Random rnd = new Random(seed);
    double[][] x = new double[rows][];
    double[] y = new double[rows];
    for (int i = 0; i < rows; i++) {
      x[i] = transaction(rnd);
      y[i] = rnd.nextDouble() < sigmoid(latentScore(x[i]) + 0.5 * rnd.nextGaussian()) ? 1 : 0;
    }
    return new Dataset(FEATURES, x, y);
  }

  /** Which columns of {@link #FEATURES} are in {@link #LOG_SCALED}. */
  public static boolean[] logScaledMask() {
    boolean[] mask = new boolean[FEATURES.size()];
    for (int i = 0; i < mask.length; i++) {
      mask[i] = LOG_SCALED.contains(FEATURES.get(i));
    }
    return mask;
  }

  private static double[] transaction(Random rnd) {
    double amount = StrictMath.exp(3.6 + 1.15 * rnd.nextGaussian());
    double hour =
        rnd.nextDouble() < 0.85
            ? Math.floorMod(Math.round(14 + 3.5 * rnd.nextGaussian()), 24)
            : rnd.nextInt(24);
    double u = rnd.nextDouble();
    int risk = 0;
    while (risk < RISK_CUMULATIVE.length - 1 && u >= RISK_CUMULATIVE[risk]) {
      risk++;
    }
    double distance = StrictMath.exp(1.6 + 1.3 * rnd.nextGaussian());
    double foreign = rnd.nextDouble() < (distance > 500 ? 0.6 : 0.02) ? 1 : 0;
    double txn = poisson(rnd, 0.35);
    double age = Math.floor(Math.min(3650, StrictMath.exp(6 + 1.2 * rnd.nextGaussian())));
    double cardPresent = rnd.nextDouble() < (foreign == 1 ? 0.3 : 0.62) ? 1 : 0;
    return new double[] {amount, hour, risk, distance, txn, age, cardPresent, foreign};
  }

  /** The hidden rule without its noise term: the log-odds of fraud given the features. */
  static double latentScore(double[] f) {
    double night = f[1] <= 5 ? 1 : 0;
    double risk = f[2];
    double age = f[5];
    double cardPresent = f[6];
    return INTERCEPT
        + 2.0 * softplus(StrictMath.log1p(f[0]) - 5)
        + 0.8 * risk
        + 1.5 * night
        + 1.3 * Math.min(f[4], 6)
        + 2.2 * (age < 30 ? 1 : 0)
        + 0.8 * (age < 180 ? 1 : 0)
        + 0.45 * StrictMath.log1p(f[3])
        - 2.8 * cardPresent
        + 2.0 * f[7] * (1 - cardPresent)
        + 1.5 * night * (risk >= 3 ? 1 : 0);
  }

  private static int poisson(Random rnd, double lambda) {
    double limit = StrictMath.exp(-lambda);
    double p = rnd.nextDouble();
    int k = 0;
    while (p > limit && k < MAX_TXN) {
      p *= rnd.nextDouble();
      k++;
    }
    return k;
  }

  static double softplus(double v) {
    return v > 30 ? v : StrictMath.log1p(StrictMath.exp(v));
  }

  static double sigmoid(double v) {
    return 1 / (1 + StrictMath.exp(-v));
  }
}
