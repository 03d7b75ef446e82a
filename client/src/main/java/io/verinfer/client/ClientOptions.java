package io.verinfer.client;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How a {@link VerinferClient} talks to providers.
 *
 * @param timeout how long one HTTP exchange with a provider may take (connect and answer)
 * @param maxAttempts how many providers one {@code infer} call tries at most, 1..16
 * @param discoveryTtl how long the providers found for a model are reused before the registry is
 *     read again
 * @param failureCooldown how long a provider that just failed is tried only after the healthy ones
 * @param clock the time source for caches, cooldowns and latency measurements
 * @param paymentOff send no voucher and expect no receipt: only for providers started unpaid on a
 *     devnet (e.g. to measure what payment costs); a paid provider refuses such calls with 402
 * @param verification how calls are checked unless a call says otherwise ({@link
 *     Verification#none()} by default)
 * @param sampler the draws of {@link Verification.Sampled} (a seeded generator makes a run
 *     repeatable; the default is a {@link SecureRandom}, so providers cannot predict which calls
 *     are checked)
 * @param allowPlainHttpProviders talk plain HTTP to providers off the devnet (chain 31337), which
 *     is refused by default; HTTPS endpoints are always pinned to the provider's on-chain key
 * @param reputationWeight how much the AvailabilityOracle's reputation weighs against price when
 *     ranking providers: a provider competes as if it charged {@code price × (1 + weight × (1 −
 *     reputation))} (default 1; 0 ranks by price alone). Providers the oracle marks down are tried
 *     last whatever the weight.
 */
public record ClientOptions(
    Duration timeout,
    int maxAttempts,
    Duration discoveryTtl,
    Duration failureCooldown,
    Clock clock,
    boolean paymentOff,
    Verification verification,
    RandomGenerator sampler,
    boolean allowPlainHttpProviders,
    double reputationWeight) {
  /** The largest {@link #maxAttempts()}. */
  public static final int MAX_ATTEMPTS = 16;

  /** Validates the fields. */
  public ClientOptions {
    Objects.requireNonNull(timeout, "timeout must not be null");
    Objects.requireNonNull(discoveryTtl, "discoveryTtl must not be null");
    Objects.requireNonNull(failureCooldown, "failureCooldown must not be null");
    Objects.requireNonNull(clock, "clock must not be null");
    Objects.requireNonNull(verification, "verification must not be null");
    Objects.requireNonNull(sampler, "sampler must not be null");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
    if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS) {
      throw new IllegalArgumentException(
          "maxAttempts must be 1.." + MAX_ATTEMPTS + ", got " + maxAttempts);
    }
    if (discoveryTtl.isNegative()) {
      throw new IllegalArgumentException("discoveryTtl must not be negative, got " + discoveryTtl);
    }
    if (!(reputationWeight >= 0 && reputationWeight <= 100)) {
      throw new IllegalArgumentException(
          "reputationWeight must be 0..100, got " + reputationWeight);
    }
    if (failureCooldown.isNegative()) {
      throw new IllegalArgumentException(
          "failureCooldown must not be negative, got " + failureCooldown);
    }
  }

  /**
   * 10 s timeout, 3 attempts, 30 s discovery cache, 30 s failure cooldown, the system clock, no
   * verification.
   */
  public static ClientOptions defaults() {
    return new ClientOptions(
        Duration.ofSeconds(10),
        3,
        Duration.ofSeconds(30),
        Duration.ofSeconds(30),
        Clock.systemUTC(),
        false,
        Verification.none(),
        new SecureRandom(),
        false,
        1.0);
  }

  /** These options with another {@link #reputationWeight()}. */
  public ClientOptions withReputationWeight(double value) {
    return new ClientOptions(
        timeout,
        maxAttempts,
        discoveryTtl,
        failureCooldown,
        clock,
        paymentOff,
        verification,
        sampler,
        allowPlainHttpProviders,
        value);
  }

  /** These options with another {@link #timeout()}. */
  public ClientOptions withTimeout(Duration value) {
    return new ClientOptions(
        value,
        maxAttempts,
        discoveryTtl,
        failureCooldown,
        clock,
        paymentOff,
        verification,
        sampler,
        allowPlainHttpProviders,
        reputationWeight);
  }

  /** These options with another {@link #maxAttempts()}. */
  public ClientOptions withMaxAttempts(int value) {
    return new ClientOptions(
        timeout,
        value,
        discoveryTtl,
        failureCooldown,
        clock,
        paymentOff,
        verification,
        sampler,
        allowPlainHttpProviders,
        reputationWeight);
  }

  /** These options with another {@link #discoveryTtl()}. */
  public ClientOptions withDiscoveryTtl(Duration value) {
    return new ClientOptions(
        timeout,
        maxAttempts,
        value,
        failureCooldown,
        clock,
        paymentOff,
        verification,
        sampler,
        allowPlainHttpProviders,
        reputationWeight);
  }

  /** These options with another {@link #failureCooldown()}. */
  public ClientOptions withFailureCooldown(Duration value) {
    return new ClientOptions(
        timeout,
        maxAttempts,
        discoveryTtl,
        value,
        clock,
        paymentOff,
        verification,
        sampler,
        allowPlainHttpProviders,
        reputationWeight);
  }

  /** These options with another {@link #clock()}. */
  public ClientOptions withClock(Clock value) {
    return new ClientOptions(
        timeout,
        maxAttempts,
        discoveryTtl,
        failureCooldown,
        value,
        paymentOff,
        verification,
        sampler,
        allowPlainHttpProviders,
        reputationWeight);
  }

  /**
   * These options with plain HTTP to providers allowed or refused off the devnet (see {@link
   * #allowPlainHttpProviders()}).
   */
  public ClientOptions withAllowPlainHttpProviders(boolean value) {
    return new ClientOptions(
        timeout,
        maxAttempts,
        discoveryTtl,
        failureCooldown,
        clock,
        paymentOff,
        verification,
        sampler,
        value,
        reputationWeight);
  }

  /** These options with payment switched off or on (see {@link #paymentOff()}). */
  public ClientOptions withPaymentOff(boolean value) {
    return new ClientOptions(
        timeout,
        maxAttempts,
        discoveryTtl,
        failureCooldown,
        clock,
        value,
        verification,
        sampler,
        allowPlainHttpProviders,
        reputationWeight);
  }

  /** These options with another default {@link #verification()}. */
  public ClientOptions withVerification(Verification value) {
    return new ClientOptions(
        timeout,
        maxAttempts,
        discoveryTtl,
        failureCooldown,
        clock,
        paymentOff,
        value,
        sampler,
        allowPlainHttpProviders,
        reputationWeight);
  }

  /** These options with another {@link #sampler()} (e.g. a seeded one for a repeatable run). */
  public ClientOptions withSampler(RandomGenerator value) {
    return new ClientOptions(
        timeout,
        maxAttempts,
        discoveryTtl,
        failureCooldown,
        clock,
        paymentOff,
        verification,
        value,
        allowPlainHttpProviders,
        reputationWeight);
  }
}
