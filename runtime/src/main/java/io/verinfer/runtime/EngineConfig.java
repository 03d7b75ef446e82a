package io.verinfer.runtime;

import java.time.Duration;

/**
 * How the engine uses the machine.
 *
 * @param intraOpThreads threads ONNX Runtime may use inside one operator (per session)
 * @param maxConcurrentRuns session runs allowed at once across all models (the thread budget)
 * @param sessionCacheBytes loaded sessions are evicted, least recently used first, above this many
 *     model bytes
 * @param maxBatchSize most rows one micro-batch stacks (1 disables batching)
 * @param maxBatchWait how long a lone request waits for company before running alone
 * @param useGpu ask for the CUDA execution provider (reported, and CPU used, when absent)
 */
public record EngineConfig(
    int intraOpThreads,
    int maxConcurrentRuns,
    long sessionCacheBytes,
    int maxBatchSize,
    Duration maxBatchWait,
    boolean useGpu) {
  public EngineConfig {
    if (intraOpThreads < 1 || maxConcurrentRuns < 1 || maxBatchSize < 1) {
      throw new IllegalArgumentException(
          "intraOpThreads, maxConcurrentRuns and maxBatchSize must be >= 1");
    }
    if (sessionCacheBytes < 1) {
      throw new IllegalArgumentException("sessionCacheBytes must be positive");
    }
    if (maxBatchWait == null || maxBatchWait.isNegative()) {
      throw new IllegalArgumentException("maxBatchWait must be >= 0");
    }
  }

  /**
   * One intra-op thread per core, a run per core, 1 GiB of sessions, batches of up to 32 formed
   * opportunistically: no waiting for company (a lone request runs at once; under load, requests
   * that arrive while every run slot is busy are stacked).
   */
  public static EngineConfig defaults() {
    int cores = Runtime.getRuntime().availableProcessors();
    return new EngineConfig(1, cores, 1L << 30, 32, Duration.ZERO, false);
  }

  public EngineConfig withBatching(int maxBatchSize, Duration maxBatchWait) {
    return new EngineConfig(
        intraOpThreads, maxConcurrentRuns, sessionCacheBytes, maxBatchSize, maxBatchWait, useGpu);
  }

  public EngineConfig withSessionCacheBytes(long bytes) {
    return new EngineConfig(
        intraOpThreads, maxConcurrentRuns, bytes, maxBatchSize, maxBatchWait, useGpu);
  }
}
