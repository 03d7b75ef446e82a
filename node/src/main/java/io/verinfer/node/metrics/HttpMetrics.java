package io.verinfer.node.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import io.verinfer.protocol.ErrorCode;

/**
 * What the node's HTTP layer answered: requests by route template, method and status, their
 * duration, refusals by error code, and paid calls. Labels are bounded: routes are the templates
 * the node registered (never a raw path), and {@link #UNMATCHED} stands for every path no endpoint
 * serves.
 */
public final class HttpMetrics {
  /** The route label of a request no endpoint matched (the path is not a label: unbounded). */
  public static final String UNMATCHED = "unmatched";

  private static final double[] SECONDS = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
  };

  private final Counter requests;
  private final Histogram duration;
  private final Counter refusals;
  private final Counter paidCalls;

  HttpMetrics(PrometheusRegistry registry) {
    this.requests =
        Counter.builder()
            .name("verinfer_http_requests_total")
            .help("HTTP requests answered, by route template, method and status")
            .labelNames("route", "method", "status")
            .withoutExemplars()
            .register(registry);
    this.duration =
        Histogram.builder()
            .name("verinfer_http_request_duration_seconds")
            .help("Time from receiving a request to having written its answer, by route template")
            .unit(Unit.SECONDS)
            .labelNames("route", "method")
            .classicOnly()
            .classicUpperBounds(SECONDS)
            .withoutExemplars()
            .register(registry);
    this.refusals =
        Counter.builder()
            .name("verinfer_refusals_total")
            .help("Requests refused with a Verinfer error body, by error code")
            .labelNames("code")
            .withoutExemplars()
            .register(registry);
    this.paidCalls =
        Counter.builder()
            .name("verinfer_paid_calls_total")
            .help("Calls answered 200 with a signed receipt (X-Verinfer-Receipt)")
            .withoutExemplars()
            .register(registry);
    // Every code is a series from the start, so a first refusal is a rise from 0 that rate() sees.
    for (ErrorCode code : ErrorCode.values()) {
      refusals.labelValues(code.name());
    }
  }

  /**
   * Records one answered request.
   *
   * @param route the route template (e.g. {@code /v2/models/{id}/infer}) or {@link #UNMATCHED}
   * @param method the HTTP method
   * @param status the status answered
   * @param seconds how long the request took
   * @param receipt whether the answer carried a signed receipt
   * @param refusal the error code the node refused with, or null
   */
  public void record(
      String route, String method, int status, double seconds, boolean receipt, ErrorCode refusal) {
    requests.labelValues(route, method, Integer.toString(status)).inc();
    duration.labelValues(route, method).observe(seconds);
    if (refusal != null) {
      refusals.labelValues(refusal.name()).inc();
    }
    if (receipt && status == 200) {
      paidCalls.inc();
    }
  }
}
