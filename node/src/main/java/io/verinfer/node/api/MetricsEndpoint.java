package io.verinfer.node.api;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.verinfer.node.metrics.NodeMetrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/** {@code GET /metrics}: the node's figures in the Prometheus text exposition format 0.0.4. */
public final class MetricsEndpoint implements Handler {
  private final NodeMetrics metrics;

  public MetricsEndpoint(NodeMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public void handle(Context ctx) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    metrics.writeTo(out);
    ctx.contentType(metrics.contentType()).result(out.toByteArray());
  }
}
