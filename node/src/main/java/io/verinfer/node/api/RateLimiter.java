package io.verinfer.node.api;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.VerinferException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A token bucket per client IP in front of every public endpoint: {@code requestsPerSecond}
 * sustained, {@code burst} at once. A refused request is a 429 {@code RATE_LIMITED} with {@code
 * Retry-After}; each client's first refusal in a minute is logged at WARN.
 */
public final class RateLimiter implements Handler {
  private static final Logger LOG = LoggerFactory.getLogger(RateLimiter.class);

  /** Beyond this many tracked clients, full (idle) buckets are forgotten. */
  private static final int MAX_TRACKED = 10_000;

  private static final Duration LOG_EVERY = Duration.ofMinutes(1);

  private final double perSecond;
  private final double burst;
  private final Clock clock;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  private static final class Bucket {
    double tokens;
    long updatedNanos;
    Instant loggedAt = Instant.EPOCH;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.updatedNanos = now;
    }
  }

  public RateLimiter(int requestsPerSecond, int burst, Clock clock) {
    if (requestsPerSecond < 1 || burst < 1) {
      throw new IllegalArgumentException(
          "requestsPerSecond and burst must be positive, were " + requestsPerSecond + ", " + burst);
    }
    this.perSecond = requestsPerSecond;
    this.burst = burst;
    this.clock = clock;
  }

  /** Whether {@code client} may send one more request now (takes a token if so). */
  public boolean tryAcquire(String client) {
    long now = nanos();
    if (buckets.size() > MAX_TRACKED) {
      buckets.values().removeIf(b -> refill(b, now) >= burst);
    }
    Bucket bucket = buckets.computeIfAbsent(client, c -> new Bucket(burst, now));
    synchronized (bucket) {
      refill(bucket, now);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return true;
      }
      return false;
    }
  }

  private double refill(Bucket b, long now) {
    synchronized (b) {
      double elapsed = Math.max(0, now - b.updatedNanos) / 1e9;
      b.tokens = Math.min(burst, b.tokens + elapsed * perSecond);
      b.updatedNanos = now;
      return b.tokens;
    }
  }

  private long nanos() {
    Instant t = clock.instant();
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  @Override
  public void handle(Context ctx) {
    String client = ctx.req().getRemoteAddr();
    if (tryAcquire(client)) {
      return;
    }
    Bucket bucket = buckets.get(client);
    Instant now = clock.instant();
    if (bucket != null) {
      boolean log;
      synchronized (bucket) {
        log = !now.isBefore(bucket.loggedAt.plus(LOG_EVERY));
        if (log) {
          bucket.loggedAt = now;
        }
      }
      if (log) {
        LOG.warn(
            "rate limit: refusing requests from {} above {} per second (burst {})",
            client,
            (long) perSecond,
            (long) burst);
      }
    }
    ctx.header("Retry-After", Long.toString(Math.max(1, (long) Math.ceil(1 / perSecond))));
    throw new VerinferException(
        ErrorCode.RATE_LIMITED,
        "rate",
        "too many requests from "
            + client
            + ": the limit is "
            + (long) perSecond
            + " per second with a burst of "
            + (long) burst);
  }
}
