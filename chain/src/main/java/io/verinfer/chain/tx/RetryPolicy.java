package io.verinfer.chain.tx;

import java.io.IOException;
import java.time.Duration;
import org.web3j.protocol.exceptions.ClientConnectionException;

/**
 * How often and how patiently to retry a JSON-RPC request that failed for a transient reason (the
 * node is restarting, a connection was refused or timed out). Backoff doubles from {@code
 * initialBackoff} up to {@code maxBackoff}; at most {@code maxAttempts} tries are made.
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
    }
    if (initialBackoff == null || initialBackoff.isNegative()) {
      throw new IllegalArgumentException("initialBackoff must be >= 0");
    }
    if (maxBackoff == null || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("maxBackoff must be >= initialBackoff");
    }
  }

  /** 12 tries over about a minute: rides out a node restart. */
  public static RetryPolicy defaults() {
    return new RetryPolicy(12, Duration.ofMillis(100), Duration.ofSeconds(8));
  }

  /** One try, no waiting: for reads that have a fallback when the RPC is down. */
  public static RetryPolicy failFast() {
    return new RetryPolicy(1, Duration.ZERO, Duration.ZERO);
  }

  /** Backoff before attempt {@code attempt} (1-based retry count). */
  public Duration backoff(int attempt) {
    long millis = initialBackoff.toMillis() << Math.min(attempt - 1, 20);
    return Duration.ofMillis(Math.min(millis, maxBackoff.toMillis()));
  }

  /** Whether {@code error} is worth another try (I/O trouble, not a verdict of the node). */
  public static boolean isTransient(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof IOException || t instanceof ClientConnectionException) {
        return true;
      }
    }
    return false;
  }

  /** Sleeps for the backoff of {@code attempt}; keeps the interrupt flag. */
  public void pause(int attempt) {
    try {
      Thread.sleep(backoff(attempt));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChainException("interrupted while waiting to retry", e);
    }
  }
}
