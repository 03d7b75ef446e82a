package io.verinfer.client.gateway;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.verinfer.client.ProviderOffer;
import io.verinfer.client.VerinferClient;
import io.verinfer.protocol.ModelId;
import java.util.List;
import java.util.Map;

/** {@code GET /v2/models/{model}}: who offers the model and at what price. */
final class MetadataEndpoint implements Handler {
  private final VerinferClient client;
  private final ModelNames models;

  MetadataEndpoint(VerinferClient client, ModelNames models) {
    this.client = client;
    this.models = models;
  }

  @Override
  public void handle(Context ctx) {
    ModelId id = models.resolve(ctx.pathParam("model"), "model");
    List<ProviderOffer> offers = client.offers(id);
    ctx.json(
        Map.of(
            "name",
            models.nameOf(id),
            "versions",
            List.of("1"),
            "platform",
            "verinfer",
            "parameters",
            Map.of(
                "model_id",
                id.value(),
                "providers",
                offers.stream()
                    .map(
                        o ->
                            Map.of(
                                "provider", o.provider().value(),
                                "endpoint", o.endpoint().toString(),
                                "price", o.price().toString()))
                    .toList())));
  }
}
