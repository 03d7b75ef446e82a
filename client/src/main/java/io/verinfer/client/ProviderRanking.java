package io.verinfer.client;

import io.verinfer.protocol.Address;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Orders providers for a call: those not cooling down after a failure first, then the cheapest,
 * then the fastest by an exponentially weighted moving average of measured latency. A provider
 * without a measurement counts as fastest, so each gets tried once and then competes on its record.
 */
final class ProviderRanking {
  /** Weight of the newest measurement in the moving average. */
  static final double ALPHA = 0.3;

  private final Clock clock;
  private final Duration cooldown;
  private final Map<Address, Double> latencyMillis = new ConcurrentHashMap<>();
  private final Map<Address, Instant> failedAt = new ConcurrentHashMap<>();

  private final double reputationWeight;

  ProviderRanking(Clock clock, Duration cooldown) {
    this(clock, cooldown, 1.0);
  }

  ProviderRanking(Clock clock, Duration cooldown, double reputationWeight) {
    this.clock = clock;
    this.cooldown = cooldown;
    if (!(reputationWeight >= 0)) {
      throw new IllegalArgumentException("reputationWeight must be >= 0, got " + reputationWeight);
    }
    this.reputationWeight = reputationWeight;
  }

  List<ProviderOffer> rank(List<ProviderOffer> offers) {
    return rank(offers, Map.of());
  }

  /**
   * Ranked with the oracle's word: not cooling down first, then not marked down by the oracle, then
   * the lowest price weighted by reputation — {@code price × (1 + reputationWeight × (1 −
   * reputation))}, so at the default weight 1 a provider with reputation 0.5 competes as if it
   * charged 1.5 × its price — then the fastest measured. A provider missing from {@code standings}
   * counts as unreported (reputation 1, not down).
   */
  List<ProviderOffer> rank(
      List<ProviderOffer> offers, Map<Address, AvailabilityView.Standing> standings) {
    Instant now = clock.instant();
    java.util.function.Function<ProviderOffer, AvailabilityView.Standing> standing =
        o -> standings.getOrDefault(o.provider(), AvailabilityView.Standing.UNKNOWN);
    return offers.stream()
        .sorted(
            Comparator.comparing((ProviderOffer o) -> coolingDown(o.provider(), now))
                .thenComparing(o -> standing.apply(o).down())
                .thenComparingDouble(
                    o ->
                        o.price().baseUnits().doubleValue()
                            * (1 + reputationWeight * (1 - standing.apply(o).reputation())))
                .thenComparing(ProviderOffer::price)
                .thenComparingDouble(o -> latencyMillis.getOrDefault(o.provider(), 0.0))
                .thenComparing(o -> o.provider().value()))
        .toList();
  }

  void succeeded(Address provider, Duration latency) {
    double millis = latency.toNanos() / 1e6;
    latencyMillis.merge(provider, millis, (old, now) -> old + ALPHA * (now - old));
    failedAt.remove(provider);
  }

  void failed(Address provider) {
    failedAt.put(provider, clock.instant());
  }

  /** The moving average, once measured. */
  Optional<Duration> latencyOf(Address provider) {
    return Optional.ofNullable(latencyMillis.get(provider))
        .map(ms -> Duration.ofNanos(Math.round(ms * 1e6)));
  }

  private boolean coolingDown(Address provider, Instant now) {
    Instant failed = failedAt.get(provider);
    return failed != null && now.isBefore(failed.plus(cooldown));
  }
}
