package io.verinfer.client;

import io.verinfer.chain.facade.ProviderRegistryFacade;
import io.verinfer.chain.facade.ProviderRegistryFacade.ProviderInfo;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the providers serving a model from the on-chain ProviderRegistry: every provider listed for
 * the model that is eligible (registered, staked at least the minimum, offering it), with its
 * endpoint and price. Answers are cached for a short time-to-live per model, since a registry read
 * is several RPC calls; {@link #invalidate} drops a model's answer early (the client does so when a
 * provider fails, as it may have moved to a new endpoint).
 */
public final class ProviderDirectory {
  private static final Logger LOG = LoggerFactory.getLogger(ProviderDirectory.class);

  private record Cached(List<ProviderOffer> offers, Instant fetchedAt) {}

  private final ProviderRegistryFacade registry;
  private final Duration ttl;
  private final Clock clock;
  private final Map<ModelId, Cached> cache = new ConcurrentHashMap<>();
  private final Map<ModelId, List<ProviderOffer>> lastKnown = new ConcurrentHashMap<>();

  /**
   * A directory over {@code registry}.
   *
   * @param ttl how long an answer is reused; zero reads the registry every time
   * @param clock the time source for the cache
   */
  public ProviderDirectory(ProviderRegistryFacade registry, Duration ttl, Clock clock) {
    this.registry = Objects.requireNonNull(registry, "registry must not be null");
    this.ttl = Objects.requireNonNull(ttl, "ttl must not be null");
    this.clock = Objects.requireNonNull(clock, "clock must not be null");
    if (ttl.isNegative()) {
      throw new IllegalArgumentException("ttl must not be negative, got " + ttl);
    }
  }

  /**
   * The eligible providers of {@code model}, cheapest first (ties by address). Providers whose
   * registered endpoint is not a usable http(s) URL are left out and logged.
   */
  public List<ProviderOffer> offers(ModelId model) {
    Objects.requireNonNull(model, "model must not be null");
    Instant now = clock.instant();
    Cached cached = cache.get(model);
    if (cached != null && now.isBefore(cached.fetchedAt().plus(ttl))) {
      return cached.offers();
    }
    List<ProviderOffer> fresh;
    try {
      fresh = fetch(model);
    } catch (io.verinfer.chain.tx.ChainException e) {
      List<ProviderOffer> known = lastKnown.get(model);
      if (known == null) {
        throw e;
      }
      // the chain is unreachable: keep serving from the providers we last saw
      org.slf4j.LoggerFactory.getLogger(ProviderDirectory.class)
          .warn(
              "registry unreachable ({}); using the last known providers of {}",
              e.getMessage(),
              model);
      return known;
    }
    cache.put(model, new Cached(fresh, now));
    lastKnown.put(model, fresh);
    return fresh;
  }

  /** Forgets the cached answer for {@code model}: the next {@link #offers} reads the registry. */
  public void invalidate(ModelId model) {
    cache.remove(model);
  }

  private List<ProviderOffer> fetch(ModelId model) {
    List<ProviderOffer> offers = new ArrayList<>();
    for (Address provider : registry.providersOf(model)) {
      if (!registry.isEligible(provider, model)) {
        continue;
      }
      ProviderInfo info = registry.provider(provider);
      if (!info.registered()) {
        continue;
      }
      TokenAmount price = registry.priceOf(provider, model);
      try {
        offers.add(
            new ProviderOffer(provider, new URI(info.endpoint()), price, info.tlsFingerprint()));
      } catch (URISyntaxException | IllegalArgumentException e) {
        LOG.warn(
            "provider {} registered an unusable endpoint '{}' for model {}: {}",
            provider,
            info.endpoint(),
            model,
            e.getMessage());
      }
    }
    offers.sort(
        Comparator.comparing(ProviderOffer::price)
            .thenComparing(o -> o.provider().value(), Comparator.naturalOrder()));
    return List.copyOf(offers);
  }
}
