package io.verinfer.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.verinfer.protocol.ModelId;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The adapter's HTTP face in the Chainlink External Adapter convention, so an existing oracle node
 * can drive it: {@code POST /} with {@code {"id": JOB, "data": {"model": ID}}} probes every
 * provider of that model now and answers {@code {"jobRunID": JOB, "data": {"model", "providers":
 * [...], "up", "healthy", "result"}, "result": healthy, "statusCode": 200}}. A request it cannot
 * run gets {@code {"jobRunID", "status": "errored", "error": {"name", "message"}, "statusCode"}}
 * with that HTTP status: 400 for bad input (naming the field), 404 for a model it has no canary
 * for. It listens on the host given (127.0.0.1 unless an operator says otherwise).
 */
public final class ExternalAdapter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ExternalAdapter.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Prober prober;
  private final Map<ModelId, Canary> canaries;
  private final Javalin app;

  public ExternalAdapter(Prober prober, List<Canary> canaries, String host, int port) {
    this(prober, canaries, new ObservationBook(), host, port);
  }

  /**
   * Also serves {@code GET /observations/{model}/{epoch}}: this adapter's signed observation from
   * {@code book} (404 when it has none), which the other adapters fetch to assemble a report.
   */
  public ExternalAdapter(
      Prober prober, List<Canary> canaries, ObservationBook book, String host, int port) {
    this.prober = Objects.requireNonNull(prober, "prober");
    Map<ModelId, Canary> byModel = new java.util.LinkedHashMap<>();
    for (Canary c : canaries) {
      if (byModel.put(c.model(), c) != null) {
        throw new IllegalArgumentException("two canaries for model " + c.model());
      }
    }
    this.canaries = Map.copyOf(byModel);
    this.app =
        Javalin.create(
            config -> {
              config.showJavalinBanner = false;
              config.useVirtualThreads = true;
            });
    app.post("/", this::run);
    app.get(
        "/observations/{model}/{epoch}",
        ctx -> {
          long m;
          long e;
          try {
            m = Long.parseLong(ctx.pathParam("model"));
            e = Long.parseLong(ctx.pathParam("epoch"));
          } catch (NumberFormatException ex) {
            error(ctx, null, 400, "MALFORMED_REQUEST", "model and epoch must be integers");
            return;
          }
          var json = book.json(m, e);
          if (json.isEmpty()) {
            error(
                ctx,
                null,
                404,
                "NO_OBSERVATION",
                "no observation of model " + m + " for epoch " + e);
            return;
          }
          ctx.contentType("application/json").result(json.get());
        });
    app.start(host, port);
  }

  /** Where the adapter listens. */
  public URI baseUrl() {
    return URI.create("http://127.0.0.1:" + app.port() + "/");
  }

  private void run(Context ctx) {
    JsonNode body;
    try {
      body = JSON.readTree(ctx.body());
    } catch (Exception e) {
      error(ctx, null, 400, "MALFORMED_JSON", "the request body is not JSON: " + e.getMessage());
      return;
    }
    if (body == null || !body.isObject()) {
      error(ctx, null, 400, "MALFORMED_REQUEST", "the request body must be a JSON object");
      return;
    }
    String job = body.path("id").isValueNode() ? body.path("id").asText() : null;
    if (job == null || job.isEmpty()) {
      error(ctx, null, 400, "MALFORMED_REQUEST", "id: the job run id is missing");
      return;
    }
    JsonNode m = body.path("data").path("model");
    ModelId model;
    try {
      if (!(m.isIntegralNumber() || m.isTextual())) {
        throw new IllegalArgumentException("missing");
      }
      model = ModelId.of(Long.parseLong(m.asText()));
    } catch (IllegalArgumentException e) {
      error(
          ctx,
          job,
          400,
          "MALFORMED_REQUEST",
          "data.model: the model's on-chain id (a positive integer) is required");
      return;
    }
    Canary canary = canaries.get(model);
    if (canary == null) {
      error(
          ctx,
          job,
          404,
          "UNKNOWN_MODEL",
          "data.model: this adapter watches models " + canaries.keySet() + ", not " + model);
      return;
    }
    List<ProviderProbe> probes = prober.probeAll(canary);
    ObjectNode data = JSON.createObjectNode();
    data.put("model", model.value());
    ArrayNode list = data.putArray("providers");
    int up = 0;
    int healthy = 0;
    for (ProviderProbe p : probes) {
      ObjectNode o = list.addObject();
      o.put("provider", p.provider().value());
      o.put("endpoint", p.endpoint().toString());
      o.put("up", p.up());
      o.put("healthMicros", p.healthMicros());
      o.put("canary", p.canary().name());
      o.put("canaryMicros", p.canaryMicros());
      o.put("note", p.note());
      up += p.up() ? 1 : 0;
      healthy += p.healthy() ? 1 : 0;
    }
    data.put("up", up);
    data.put("healthy", healthy);
    data.put("result", healthy);
    ObjectNode out = JSON.createObjectNode();
    out.put("jobRunID", job);
    out.set("data", data);
    out.put("result", healthy);
    out.put("statusCode", 200);
    ctx.status(200).contentType("application/json").result(out.toString());
  }

  private static void error(Context ctx, String job, int status, String name, String message) {
    LOG.info("refused {} {}: {}: {}", ctx.method(), ctx.path(), name, message);
    ObjectNode out = JSON.createObjectNode();
    if (job == null) {
      out.putNull("jobRunID");
    } else {
      out.put("jobRunID", job);
    }
    out.put("status", "errored");
    out.putObject("error").put("name", name).put("message", message);
    out.put("statusCode", status);
    ctx.status(status).contentType("application/json").result(out.toString());
  }

  @Override
  public void close() {
    app.stop();
    prober.close();
  }
}
