package io.verinfer.client.gateway;

import io.javalin.Javalin;
import io.verinfer.client.Routing;
import io.verinfer.client.VerinferClient;
import io.verinfer.protocol.ModelId;
import java.util.Map;

/**
 * The local gateway: lets any app use the network through APIs it already speaks, paying from the
 * configured wallet through the {@link VerinferClient}. OpenAI-compatible {@code GET /v1/models},
 * {@code POST /v1/embeddings}, {@code POST /v1/chat/completions} and {@code POST /v1/completions}
 * (streamed or not); Open Inference Protocol {@code GET /v2/models/{model}} and {@code POST
 * /v2/models/{model}/infer}; {@code GET /health}. A model is named by its on-chain id or by a
 * configured name. Answers carry the provider's receipt ({@code X-Verinfer-Receipt}) and who served
 * ({@code X-Verinfer-Provider}). Calls go to any provider of the model unless the gateway is
 * limited to some ({@code routing}) or a request names them in {@code X-Verinfer-Providers}
 * (comma-separated addresses).
 */
public final class Gateway implements AutoCloseable {
  private final Javalin app;

  /**
   * @param names model names the gateway accepts besides on-chain ids (e.g. {@code minilm-embed})
   */
  public Gateway(VerinferClient client, Map<String, ModelId> names, String host, int port) {
    this(client, names, host, port, Routing.any());
  }

  /**
   * @param names model names the gateway accepts besides on-chain ids (e.g. {@code minilm-embed})
   * @param routing the providers calls may go to when a request names none
   */
  public Gateway(
      VerinferClient client, Map<String, ModelId> names, String host, int port, Routing routing) {
    ModelNames models = new ModelNames(names);
    this.app =
        Javalin.create(
            config -> {
              config.showJavalinBanner = false;
              config.useVirtualThreads = true;
              config.http.maxRequestSize = 16L << 20;
            });
    app.get("/health", ctx -> ctx.json(Map.of("status", "ok", "wallet", client.address().value())));
    app.get("/v1/models", new ModelsEndpoint(models));
    app.post("/v1/embeddings", new EmbeddingsEndpoint(client, models, routing));
    app.post("/v1/chat/completions", new TextCompletionsEndpoint(client, models, routing, true));
    app.post("/v1/completions", new TextCompletionsEndpoint(client, models, routing, false));
    app.get("/v2/models/{model}", new MetadataEndpoint(client, models));
    app.post("/v2/models/{model}/infer", new InferEndpoint(client, models, routing));
    GatewayErrors.install(app);
    app.start(host, port);
  }

  public int port() {
    return app.port();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port();
  }

  @Override
  public void close() {
    app.stop();
  }
}
