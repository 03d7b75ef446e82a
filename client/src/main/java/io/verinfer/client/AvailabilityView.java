package io.verinfer.client;

import io.verinfer.chain.facade.AvailabilityOracleFacade;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.oracle.Figures;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the AvailabilityOracle last said of each provider of a model, as routing uses it. A status
 * is <em>fresh</em> when it is for one of the last {@link #FRESH_EPOCHS} epochs; a fresh status
 * with uptime or canary pass rate below {@link #DOWN_BPS} marks the provider <em>down</em>, and
 * routing tries it only after every other provider. A provider's reputation is uptime × canary pass
 * rate (fractions) of its fresh status, 1 without one (no evidence against it). Answers are cached
 * like the provider directory's; an unreachable oracle leaves routing as it was (nobody down,
 * reputation 1), logged.
 */
public final class AvailabilityView {
  private static final Logger LOG = LoggerFactory.getLogger(AvailabilityView.class);

  /** How many epochs back a status still counts. */
  public static final int FRESH_EPOCHS = 2;

  /** Below this uptime or canary pass rate (basis points) a fresh status marks a provider down. */
  public static final int DOWN_BPS = 5_000;

  /** Whether these figures, if fresh, mark a provider down. */
  public static boolean down(Figures figures) {
    return figures.uptimeBps() < DOWN_BPS || figures.canaryBps() < DOWN_BPS;
  }

  /**
   * One provider's standing.
   *
   * @param epoch the epoch of its latest status, 0 if never reported
   * @param fresh the status is recent enough to count
   * @param figures its latest figures (meaningless when {@code epoch} is 0)
   */
  public record Standing(long epoch, boolean fresh, Figures figures) {
    public static final Standing UNKNOWN = new Standing(0, false, Figures.DOWN);

    public boolean down() {
      return fresh && AvailabilityView.down(figures);
    }

    /** uptime × canary pass rate of a fresh status; 1 without one. */
    public double reputation() {
      return fresh ? (figures.uptimeBps() / 10_000.0) * (figures.canaryBps() / 10_000.0) : 1.0;
    }
  }

  private record Cached(Map<Address, Standing> standings, Instant at) {}

  private final AvailabilityOracleFacade oracle;
  private final Duration ttl;
  private final Clock clock;
  private final Map<ModelId, Cached> cache = new ConcurrentHashMap<>();

  public AvailabilityView(AvailabilityOracleFacade oracle, Duration ttl, Clock clock) {
    this.oracle = Objects.requireNonNull(oracle, "oracle");
    this.ttl = Objects.requireNonNull(ttl, "ttl");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The standing of each of {@code providers} for {@code model}. */
  public Map<Address, Standing> standings(ModelId model, List<Address> providers) {
    Instant now = clock.instant();
    Cached c = cache.get(model);
    if (c != null
        && now.isBefore(c.at().plus(ttl))
        && c.standings().keySet().containsAll(providers)) {
      return c.standings();
    }
    Map<Address, Standing> fresh = new HashMap<>();
    try {
      long current = oracle.currentEpoch();
      for (Address p : providers) {
        var s = oracle.statusOf(model.value(), p);
        boolean isFresh = s.reported() && s.epoch() + FRESH_EPOCHS >= current;
        fresh.put(p, new Standing(s.epoch(), isFresh, s.figures()));
      }
    } catch (RuntimeException e) {
      LOG.warn("availability oracle unreadable ({}); routing without it", e.getMessage());
      providers.forEach(p -> fresh.put(p, Standing.UNKNOWN));
      Map<Address, Standing> unknown = Map.copyOf(fresh);
      cache.put(model, new Cached(unknown, now)); // not read again before the ttl is up
      return unknown;
    }
    Map<Address, Standing> result = Map.copyOf(fresh);
    cache.put(model, new Cached(result, now));
    return result;
  }
}
