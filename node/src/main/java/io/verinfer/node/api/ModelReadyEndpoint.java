package io.verinfer.node.api;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.verinfer.runtime.InferenceEngine;
import java.util.Map;

/** {@code GET /v2/models/{id}/ready}: 200 when the model can run now, 503 when not yet. */
public final class ModelReadyEndpoint implements Handler {
  private final InferenceEngine engine;

  public ModelReadyEndpoint(InferenceEngine engine) {
    this.engine = engine;
  }

  @Override
  public void handle(Context ctx) {
    String id = ModelMetadataEndpoint.served(engine, ctx.pathParam("id")).name();
    boolean ready = engine.isReady(id);
    ctx.status(ready ? 200 : 503).json(Map.of("name", id, "ready", ready));
  }
}
