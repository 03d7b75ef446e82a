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
import io.verinfer.node.api.RateLimiter;
import io.verinfer.node.api.RequestMetrics;
import io.verinfer.node.faults.OutputCorruptor;
import io.verinfer.node.metrics.NodeMetrics;
import io.verinfer.node.tls.TlsIdentity;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.VerinferException;
import io.verinfer.runtime.InferenceEngine;
import io.verinfer.runtime.store.ModelStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Consumer;
import org.eclipse.jetty.server.ConnectionLimit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider node's HTTP front: Open Inference Protocol endpoints, OpenAI-compatible endpoints
 * added by {@code extraRoutes}, {@code /ipfs/{cid}} and {@code /health}, over HTTPS with the node's
 * pinned key unless {@link Transport#plain()}, behind the {@link Limits}; the Prometheus {@code
 * /metrics} answers on its own admin server (127.0.0.1 by default), never on the public one. Every
 * refusal is one JSON error body with a code and the field at fault (see {@link ApiError}); every
 * answer is counted in {@link NodeMetrics} by route template.
 */
public final class NodeServer implements AutoCloseable {
  /**
   * Where and how to listen.
   *
   * @param transport HTTPS with the node's key (the default) or plain HTTP
   * @param limits the public server's request, header, connection and rate limits
   * @param adminHost where {@code /metrics} listens (its own server, 127.0.0.1 by default)
   * @param adminPort its port (0: any free port; -1: no admin server)
   */
  public record Options(
      String host,
      int port,
      long maxBodyBytes,
      Transport transport,
      Limits limits,
      String adminHost,
      int adminPort) {
    public Options {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be 0..65535, was " + port);
      }
      if (maxBodyBytes < 1) {
        throw new IllegalArgumentException("maxBodyBytes must be positive");
      }
      java.util.Objects.requireNonNull(transport, "transport");
      java.util.Objects.requireNonNull(limits, "limits");
      java.util.Objects.requireNonNull(adminHost, "adminHost");
      if (adminPort < -1 || adminPort > 65_535) {
        throw new IllegalArgumentException(
            "adminPort must be 0..65535 (or -1 for none), was " + adminPort);
      }
    }

    /**
     * HTTPS with the node's key (a paid node keeps it beside its ledger; plain HTTP only through
     * {@link #withTransport}{@code (Transport.plain())}), default limits, metrics on 127.0.0.1 at a
     * free port.
     */
    public Options(String host, int port, long maxBodyBytes) {
      this(host, port, maxBodyBytes, Transport.tls(), Limits.defaults(), "127.0.0.1", 0);
    }

    /** 127.0.0.1, a free port, 16 MiB bodies, HTTPS. */
    public static Options loopback() {
      return new Options("127.0.0.1", 0, 16L << 20);
    }

    public Options withTransport(Transport transport) {
      return new Options(host, port, maxBodyBytes, transport, limits, adminHost, adminPort);
    }

    public Options withLimits(Limits limits) {
      return new Options(host, port, maxBodyBytes, transport, limits, adminHost, adminPort);
    }

    public Options withAdmin(String adminHost, int adminPort) {
      return new Options(host, port, maxBodyBytes, transport, limits, adminHost, adminPort);
    }
  }

  /**
   * HTTPS with the node's TLS key, or plain HTTP.
   *
   * @param https whether to serve HTTPS
   * @param identityFile where the key lives (generated there if missing); null: the node's data dir
   *     for a paid node, else a key kept in memory
   */
  public record Transport(boolean https, Path identityFile) {
    public static Transport tls() {
      return new Transport(true, null);
    }

    /** Plain HTTP: clients accept it only on the devnet unless told otherwise. */
    public static Transport plain() {
      return new Transport(false, null);
    }

    public Transport at(Path file) {
      return new Transport(https, file);
    }

    /** The identity to serve with, or null for plain HTTP. */
    TlsIdentity open() {
      if (!https) {
        return null;
      }
      return identityFile == null ? TlsIdentity.generate() : TlsIdentity.loadOrCreate(identityFile);
    }
  }

  /**
   * Limits of the public server.
   *
   * @param maxHeaderBytes request line and headers (431 {@code HEADERS_TOO_LARGE} above)
   * @param maxConnections open connections; more wait in the accept backlog
   * @param requestsPerSecond per client IP, sustained (429 {@code RATE_LIMITED} above)
   * @param burst per client IP, at once
   */
  public record Limits(int maxHeaderBytes, int maxConnections, int requestsPerSecond, int burst) {
    public Limits {
      if (maxHeaderBytes < 1024) {
        throw new IllegalArgumentException(
            "maxHeaderBytes must be at least 1024, was " + maxHeaderBytes);
      }
      if (maxConnections < 1) {
        throw new IllegalArgumentException(
            "maxConnections must be positive, was " + maxConnections);
      }
      if (requestsPerSecond < 1 || burst < 1) {
        throw new IllegalArgumentException(
            "requestsPerSecond and burst must be positive, were "
                + requestsPerSecond
                + ", "
                + burst);
      }
    }

    /**
     * 8 KiB of headers, 1,024 connections, 500 requests per second per IP with a burst of 1,000.
     */
    public static Limits defaults() {
      return new Limits(8 * 1024, 1024, 500, 1000);
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(NodeServer.class);

  private final Javalin app;
  private final Javalin admin;
  private final NodeMetrics metrics;
  private final TlsIdentity identity;

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
    this.identity = options.transport().open();
    NodeServer.Limits limits = options.limits();
    this.app =
        Javalin.create(
            config -> {
              config.showJavalinBanner = false;
              config.useVirtualThreads = true;
              config.http.maxRequestSize = options.maxBodyBytes();
              config.requestLogger.http(new RequestMetrics(metrics.http()));
              config.jetty.addConnector(
                  (server, http) -> PublicConnector.create(server, http, options, identity));
              config.jetty.modifyServer(
                  server -> {
                    server.addBean(new ConnectionLimit(limits.maxConnections(), server));
                    server.setErrorHandler(new PublicConnector.JsonBadMessages(limits));
                  });
            });
    app.before(new RateLimiter(limits.requestsPerSecond(), limits.burst(), Clock.systemUTC()));
    app.get("/health", new HealthEndpoint(engine));
    app.get("/v2/health/live", ctx -> ctx.json(java.util.Map.of("live", true)));
    app.get("/v2/health/ready", new HealthEndpoint(engine));
    app.get("/v2/models/{id}", new ModelMetadataEndpoint(catalog));
    app.get("/v2/models/{id}/ready", new ModelReadyEndpoint(catalog));
    app.post("/v2/models/{id}/infer", new InferEndpoint(catalog, payment, faults));
    app.get("/ipfs/{cid}", new IpfsEndpoint(store));
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
    app.start();
    this.admin = options.adminPort() < 0 ? null : startAdmin(options, metrics);
    LOG.info(
        "serving {} on {}:{} (limits: {} body bytes, {} header bytes, {} connections, {} requests"
            + " per second per client, burst {}){}",
        identity == null ? "plain HTTP" : "HTTPS (key " + identity.pin() + ")",
        options.host(),
        port(),
        options.maxBodyBytes(),
        limits.maxHeaderBytes(),
        limits.maxConnections(),
        limits.requestsPerSecond(),
        limits.burst(),
        admin == null
            ? "; no metrics server"
            : "; metrics on " + options.adminHost() + ":" + admin.port());
  }

  /** The admin surface ({@code /metrics}) on its own address, as Besu and Teku do. */
  private static Javalin startAdmin(Options options, NodeMetrics metrics) {
    Javalin admin =
        Javalin.create(
            config -> {
              config.showJavalinBanner = false;
              config.useVirtualThreads = true;
            });
    admin.get("/metrics", new MetricsEndpoint(metrics));
    return admin.start(options.adminHost(), options.adminPort());
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
    return (identity == null ? "http" : "https") + "://127.0.0.1:" + port();
  }

  /** The TLS key the public server presents, when it serves HTTPS. */
  public java.util.Optional<TlsIdentity> tls() {
    return java.util.Optional.ofNullable(identity);
  }

  /** Where {@code GET /metrics} answers (the admin server), when there is one. */
  public java.util.Optional<String> metricsUrl() {
    return admin == null
        ? java.util.Optional.empty()
        : java.util.Optional.of("http://127.0.0.1:" + admin.port() + "/metrics");
  }

  @Override
  public void close() {
    app.stop();
    if (admin != null) {
      admin.stop();
    }
  }
}
