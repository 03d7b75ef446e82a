package io.verinfer.node.api;

import io.javalin.http.Context;
import io.javalin.http.RequestLogger;
import io.verinfer.node.metrics.HttpMetrics;
import io.verinfer.protocol.PaymentHeaders;

/**
 * Records every request into {@link HttpMetrics} once its answer is written: Javalin calls a
 * request logger exactly once per request, after exception and error handlers set the final status
 * and before it closes the response, so a client that has read a whole JSON answer finds it
 * counted. (An answer that declares its length, like a {@code /ipfs} blob, can reach the client a
 * moment before it is counted.)
 */
public final class RequestMetrics implements RequestLogger {
  private final HttpMetrics metrics;

  public RequestMetrics(HttpMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public void handle(Context ctx, Float executionTimeMs) {
    metrics.record(
        route(ctx),
        ctx.method().name(),
        ctx.statusCode(),
        executionTimeMs / 1_000.0,
        ctx.res().getHeader(PaymentHeaders.RECEIPT) != null,
        ApiError.refusal(ctx).orElse(null));
  }

  /** The matched route template, never the raw path (a label must stay bounded). */
  static String route(Context ctx) {
    String template;
    try {
      template = ctx.endpointHandlerPath();
    } catch (IllegalStateException e) {
      return HttpMetrics.UNMATCHED; // Javalin: no endpoint handler ran for this request
    }
    return template == null || template.isEmpty() || template.equals("*")
        ? HttpMetrics.UNMATCHED
        : template;
  }
}
