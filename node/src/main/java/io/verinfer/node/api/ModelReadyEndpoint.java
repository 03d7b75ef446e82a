package io.verinfer.node.api;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.util.Map;

/** {@code GET /v2/models/{id}/ready}: 200 when the model can run now, 503 when not yet. */
public final class ModelReadyEndpoint implements Handler {
  private final ModelCatalog catalog;

  public ModelReadyEndpoint(ModelCatalog catalog) {
    this.catalog = catalog;
  }

  @Override
  public void handle(Context ctx) {
    String id = catalog.served(ctx.pathParam("id")).name();
    boolean ready = catalog.engine().isReady(id);
    ctx.status(ready ? 200 : 503).json(Map.of("name", id, "ready", ready));
  }
}
