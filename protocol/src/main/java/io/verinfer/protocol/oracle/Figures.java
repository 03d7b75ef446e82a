package io.verinfer.protocol.oracle;

/**
 * What an adapter measured of one provider in one epoch, as {@code OracleMath.pack} stores it in
 * one uint64: {@code uptimeBps << 48 | latencyMs << 16 | canaryBps}.
 *
 * @param uptimeBps share of the epoch's probes the provider answered, in basis points (0–10,000)
 * @param latencyMs median health-check latency in milliseconds; {@link #NO_LATENCY} when it never
 *     answered
 * @param canaryBps share of the epoch's canaries it answered right, in basis points (0–10,000)
 */
public record Figures(int uptimeBps, long latencyMs, int canaryBps) {
  /** The latency of a provider that never answered (uint32 max). */
  public static final long NO_LATENCY = 0xFFFF_FFFFL;

  /** A provider that answered nothing and no canary. */
  public static final Figures DOWN = new Figures(0, NO_LATENCY, 0);

  public Figures {
    checkBps("uptimeBps", uptimeBps);
    checkBps("canaryBps", canaryBps);
    if (latencyMs < 0 || latencyMs > NO_LATENCY) {
      throw new IllegalArgumentException(
          "latencyMs must be in [0, " + NO_LATENCY + "], got " + latencyMs);
    }
  }

  private static void checkBps(String field, int value) {
    if (value < 0 || value > 10_000) {
      throw new IllegalArgumentException(field + " must be in [0, 10000], got " + value);
    }
  }

  /** The uint64 the contract stores (as a Java long's 64 bits). */
  public long packed() {
    return ((long) uptimeBps << 48) | (latencyMs << 16) | canaryBps;
  }

  /** The figures of a packed uint64; refuses bit patterns the contract would refuse. */
  public static Figures unpack(long packed) {
    return new Figures(
        (int) ((packed >>> 48) & 0xFFFF), (packed >>> 16) & NO_LATENCY, (int) (packed & 0xFFFF));
  }

  /** Whether the provider answered at all. */
  public boolean up() {
    return latencyMs != NO_LATENCY;
  }

  @Override
  public String toString() {
    return String.format(
        "uptime %.2f%%, latency %s, canaries %.2f%%",
        uptimeBps / 100.0, up() ? latencyMs + " ms" : "none", canaryBps / 100.0);
  }
}
