package io.verinfer.client.gateway;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.util.List;
import java.util.Map;

/** {@code GET /v1/models}: the OpenAI model list. */
final class ModelsEndpoint implements Handler {
  private final ModelNames models;

  ModelsEndpoint(ModelNames models) {
    this.models = models;
  }

  @Override
  public void handle(Context ctx) {
    List<Map<String, Object>> data =
        models.all().entrySet().stream()
            .map(
                e ->
                    Map.<String, Object>of(
                        "id",
                        e.getKey(),
                        "object",
                        "model",
                        "created",
                        0,
                        "owned_by",
                        "verinfer:model-" + e.getValue().value()))
            .toList();
    ctx.json(Map.of("object", "list", "data", data));
  }
}
