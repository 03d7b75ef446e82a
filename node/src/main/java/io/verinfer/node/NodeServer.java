package io.verinfer.node;

import io.javalin.Javalin;
import io.javalin.http.HttpStatus;
import io.verinfer.node.api.ApiError;
import io.verinfer.node.api.HealthEndpoint;
import io.verinfer.node.api.InferEndpoint;
import io.verinfer.node.api.IpfsEndpoint;
import io.verinfer.node.api.MetricsEndpoint;
import io.verinfer.node.api.ModelCatalog;
import io.verinfer.node.api.ModelMetadataEndpoint;
import io.verinfer.node.api.ModelReadyEndpoint;
import io.verinfer.node.api.PaymentGate;
import io.verinfer.node.api.RequestMetrics;
import io.verinfer.node.faults.OutputCorruptor;
import io.verinfer.node.metrics.NodeMetrics;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.VerinferException;
import io.verinfer.runtime.InferenceEngine;
import io.verinfer.runtime.store.ModelStore;
import java.util.function.Consumer;

/**
 * The provider node's HTTP front: Open Inference Protocol endpoints, OpenAI-compatible endpoints
 * added by {@code extraRoutes}, {@code /ipfs/{cid}}, {@code /health} and the Prometheus {@code
 * /metrics}. Every refusal is one JSON error body with a code and the field at fault (see {@link
 * ApiError}); every answer is counted in {@link NodeMetrics} by route template.
 */
public final class NodeServer implements AutoCloseable {
  /** Where and how to listen. */
  public record Options(String host, int port, long maxBodyBytes) {
    public Options {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be 0..65535, was " + port);
      }
      if (maxBodyBytes < 1) {
        throw new IllegalArgumentException("maxBodyBytes must be positive");
      }
    }

    /** 127.0.0.1, a free port, 16 MiB bodies. */
    public static Options loopback() {
      return new Options("127.0.0.1", 0, 16L << 20);
    }
  }

  private final Javalin app;
  private final NodeMetrics metrics;

  public NodeServer(
      InferenceEngine engine,
      ModelStore store,
      PaymentGate payment,
      Options options,
      Consumer<Javalin> extraRoutes) {
    this(new ModelCatalog(engine), store, payment, options, extraRoutes);
  }

  public NodeServer(
      ModelCatalog catalog,
      ModelStore store,
      PaymentGate payment,
      Options options,
      Consumer<Javalin> extraRoutes) {
    this(catalog, store, payment, options, NodeMetrics.create(), extraRoutes);
  }

  /** A server recording into {@code metrics} (which {@code GET /metrics} serves). */
  public NodeServer(
      ModelCatalog catalog,
      ModelStore store,
      PaymentGate payment,
      Options options,
      NodeMetrics metrics,
      Consumer<Javalin> extraRoutes) {
    this(catalog, store, payment, options, metrics, OutputCorruptor.none(), extraRoutes);
  }

  /** The same, with the inference endpoint corrupting answers as {@code faults} says (devnet). */
  public NodeServer(
      ModelCatalog catalog,
      ModelStore store,
      PaymentGate payment,
      Options options,
      NodeMetrics metrics,
      OutputCorruptor faults,
      Consumer<Javalin> extraRoutes) {
    InferenceEngine engine = catalog.engine();
    this.metrics = metrics;
    this.app =
        Javalin.create(
            config -> {
              config.showJavalinBanner = false;
              config.useVirtualThreads = true;
              config.http.maxRequestSize = options.maxBodyBytes();
              config.requestLogger.http(new RequestMetrics(metrics.http()));
            });
    app.get("/health", new HealthEndpoint(engine));
    app.get("/v2/health/live", ctx -> ctx.json(java.util.Map.of("live", true)));
    app.get("/v2/health/ready", new HealthEndpoint(engine));
    app.get("/v2/models/{id}", new ModelMetadataEndpoint(catalog));
    app.get("/v2/models/{id}/ready", new ModelReadyEndpoint(catalog));
    app.post("/v2/models/{id}/infer", new InferEndpoint(catalog, payment, faults));
    app.get("/ipfs/{cid}", new IpfsEndpoint(store));
    app.get("/metrics", new MetricsEndpoint(metrics));
    extraRoutes.accept(app);

    app.exception(VerinferException.class, (e, ctx) -> ApiError.respond(ctx, e));
    app.exception(Exception.class, (e, ctx) -> ApiError.internal(ctx, e));
    app.error(
        HttpStatus.CONTENT_TOO_LARGE,
        ctx -> {
          if (ctx.result() == null || !ctx.result().startsWith("{")) {
            ApiError.respond(
                ctx,
                new VerinferException(
                    ErrorCode.INPUT_TOO_LARGE,
                    "body",
                    "the request body exceeds " + options.maxBodyBytes() + " bytes"));
          }
        });
    app.error(
        HttpStatus.NOT_FOUND,
        ctx -> {
          if (ctx.result() == null || !ctx.result().startsWith("{")) {
            ApiError.respond(
                ctx,
                new VerinferException(
                    ErrorCode.MALFORMED_REQUEST,
                    "path",
                    "no endpoint " + ctx.method() + " " + ctx.path()));
          }
        });
    app.start(options.host(), options.port());
  }

  /** The port actually bound (useful with port 0). */
  public int port() {
    return app.port();
  }

  /** Where this server records; other parts of the node add their figures here. */
  public NodeMetrics metrics() {
    return metrics;
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port();
  }

  @Override
  public void close() {
    app.stop();
  }
}
