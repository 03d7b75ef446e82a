package io.verinfer.client;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How one call's result is checked (chosen per call, with a default in {@link ClientOptions}):
 *
 * <ul>
 *   <li>{@code none}: the signed receipt only; fraud stays provable later (1× the price);
 *   <li>{@code sampled(p)}: with probability p the same call is run again on an independent
 *       provider and the two outputs compared within the model's tolerance; a mismatch opens a
 *       dispute over both receipts (1 + p × the price);
 *   <li>{@code redundant(k)}: k distinct providers run it, the answer a majority agrees on is
 *       returned, every dissenter is disputed (k × the price).
 * </ul>
 */
public sealed interface Verification {
  /** The largest {@code k} of {@link Redundant}. */
  int MAX_REDUNDANCY = 9;

  /** No re-execution. */
  record None() implements Verification {
    @Override
    public String toString() {
      return "none";
    }
  }

  /** Re-run on an independent provider with probability {@code probability}. */
  record Sampled(double probability) implements Verification {
    public Sampled {
      if (!(probability > 0 && probability <= 1)) {
        throw new IllegalArgumentException("sampled(p) needs 0 < p <= 1, got " + probability);
      }
    }

    @Override
    public String toString() {
      return "sampled(" + probability + ")";
    }
  }

  /** Run on {@code providers} distinct providers; the majority answer wins. */
  record Redundant(int providers) implements Verification {
    public Redundant {
      if (providers < 2 || providers > MAX_REDUNDANCY) {
        throw new IllegalArgumentException(
            "redundant(k) needs 2 <= k <= " + MAX_REDUNDANCY + ", got " + providers);
      }
    }

    @Override
    public String toString() {
      return "redundant(" + providers + ")";
    }
  }

  static Verification none() {
    return new None();
  }

  static Verification sampled(double probability) {
    return new Sampled(probability);
  }

  static Verification redundant(int providers) {
    return new Redundant(providers);
  }

  /**
   * Reads {@code none}, {@code sampled(p)} or {@code redundant(k)} (case and spaces ignored).
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  static Verification parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(
          "give a verification mode: none, sampled(p) or redundant(k)");
    }
    String t = text.replace(" ", "").toLowerCase(Locale.ROOT);
    if (t.equals("none")) {
      return none();
    }
    Matcher m = Pattern.compile("(sampled|redundant)\\(([^()]*)\\)").matcher(t);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a verification mode: use none, sampled(p) or redundant(k)");
    }
    try {
      return m.group(1).equals("sampled")
          ? sampled(Double.parseDouble(m.group(2)))
          : redundant(Integer.parseInt(m.group(2)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "': '" + m.group(2) + "' is not a number", e);
    }
  }
}
