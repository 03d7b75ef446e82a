package io.verinfer.node.work;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Per-key retry pauses for a {@link StepLoop}'s items: after a failure a key waits, doubling from
 * the first pause up to the longest; a success forgets it. Used from the loop's thread only.
 */
final class Backoff {
  private record Retry(int failures, Instant notBefore) {}

  private final Duration first;
  private final Duration max;
  private final Map<String, Retry> retries = new HashMap<>();

  Backoff(Duration first, Duration max) {
    this.first = first;
    this.max = max;
  }

  /** Whether {@code key} may be tried at {@code now}. */
  boolean due(String key, Instant now) {
    Retry retry = retries.get(key);
    return retry == null || !now.isBefore(retry.notBefore());
  }

  void succeeded(String key) {
    retries.remove(key);
  }

  /** Records a failure of {@code key} at {@code now}; returns how many in a row. */
  int failed(String key, Instant now) {
    Retry last = retries.get(key);
    int failures = last == null ? 1 : last.failures() + 1;
    retries.put(key, new Retry(failures, now.plus(pause(failures))));
    return failures;
  }

  /** The pause after {@code failures} failures in a row. */
  Duration pause(int failures) {
    Duration pause = first.multipliedBy(1L << Math.min(failures - 1, 16));
    return pause.compareTo(max) > 0 ? max : pause;
  }
}
