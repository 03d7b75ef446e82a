package io.verinfer.node.api;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.verinfer.runtime.InferenceEngine;
import io.verinfer.runtime.ModelSpec;
import java.util.Map;

/** {@code GET /health} (and the V2 {@code /v2/health/live|ready}): is this node serving. */
public final class HealthEndpoint implements Handler {
  private final InferenceEngine engine;

  public HealthEndpoint(InferenceEngine engine) {
    this.engine = engine;
  }

  @Override
  public void handle(Context ctx) {
    var models = engine.models().stream().map(ModelSpec::name).sorted().toList();
    boolean ready = models.stream().allMatch(engine::isReady);
    ctx.status(ready ? 200 : 503)
        .json(
            Map.of(
                "status",
                ready ? "ok" : "degraded",
                "models",
                models,
                "executionProvider",
                engine.executionProvider()));
  }
}
