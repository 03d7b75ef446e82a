package io.verinfer.node.metrics;

import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.onnx.OnnxInferenceEngine;

/** The inference engine's figures, read from {@link OnnxInferenceEngine#stats()} at scrape time. */
public final class EngineMetrics {
  private EngineMetrics() {}

  public static void register(
      NodeMetrics metrics, OnnxInferenceEngine engine, EngineConfig config) {
    metrics.counter(
        "verinfer_engine_session_runs_total",
        "ONNX Runtime session runs (a stacked micro-batch is one run)",
        () -> engine.stats().sessionRuns());
    metrics.counter(
        "verinfer_engine_session_loads_total",
        "ONNX Runtime sessions created (session cache misses)",
        () -> engine.stats().sessionLoads());
    metrics.counter(
        "verinfer_engine_stacked_batches_total",
        "Runs that stacked more than one request (micro-batching)",
        () -> engine.stats().stackedBatches());
    metrics.counter(
        "verinfer_engine_stacked_requests_total",
        "Requests served inside stacked runs",
        () -> engine.stats().stackedRequests());
    metrics.gauge(
        "verinfer_engine_active_runs",
        "Runs holding a run slot now",
        () -> engine.stats().activeRuns());
    metrics.gauge(
        "verinfer_engine_max_concurrent_runs",
        "Run slots across all models (the engine's thread budget)",
        config::maxConcurrentRuns);
    metrics.gauge(
        "verinfer_engine_cached_sessions",
        "ONNX Runtime sessions loaded now",
        () -> engine.stats().cachedSessions());
    metrics.gauge(
        "verinfer_engine_session_cache_bytes",
        "Model bytes of the loaded sessions",
        () -> engine.stats().cachedSessionBytes());
    metrics.gauge(
        "verinfer_engine_session_cache_budget_bytes",
        "Model bytes above which idle sessions are evicted",
        config::sessionCacheBytes);
    metrics.gauge(
        "verinfer_engine_models", "Models deployed on this node", () -> engine.models().size());
  }
}
