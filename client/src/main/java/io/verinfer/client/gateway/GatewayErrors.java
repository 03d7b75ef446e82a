package io.verinfer.client.gateway;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.verinfer.chain.tx.ChainException;
import io.verinfer.client.InvalidCheckpointException;
import io.verinfer.client.InvalidReceiptException;
import io.verinfer.client.NoProviderAvailableException;
import io.verinfer.client.ProviderRefusedException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps every failure to the one error body providers use (Verinfer + OpenAI fields). */
final class GatewayErrors {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayErrors.class);

  private GatewayErrors() {}

  static void install(Javalin app) {
    app.exception(
        GatewayError.class, (e, ctx) -> respond(ctx, e.status, e.code, e.field, e.getMessage()));
    app.exception(
        ProviderRefusedException.class,
        (e, ctx) -> {
          LOG.info("{} {}: {}", ctx.method(), ctx.path(), e.getMessage());
          // the provider's error as it is: same status, code, field and sentence
          respond(ctx, e.httpStatus(), e.code(), e.field().orElse(null), e.nodeMessage());
        });
    app.exception(
        NoProviderAvailableException.class,
        (e, ctx) -> respond(ctx, 503, "NO_PROVIDER", "model", e.getMessage()));
    app.exception(
        InvalidReceiptException.class,
        (e, ctx) -> respond(ctx, 502, "INVALID_RECEIPT", null, e.getMessage()));
    app.exception(
        InvalidCheckpointException.class,
        (e, ctx) -> respond(ctx, 502, "INVALID_RECEIPT", null, e.getMessage()));
    app.exception(
        ChainException.class,
        (e, ctx) -> respond(ctx, 503, "CHAIN_UNAVAILABLE", null, e.getMessage()));
    app.exception(
        Exception.class,
        (e, ctx) -> {
          LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
          respond(ctx, 500, "INTERNAL", null, "the gateway failed; see its log");
        });
  }

  static void respond(Context ctx, int status, String code, String field, String message) {
    if (status < 500) {
      LOG.info("refused {} {}: {} at {}: {}", ctx.method(), ctx.path(), code, field, message);
    }
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", code);
    error.put("field", field);
    error.put("message", message);
    error.put("type", status < 500 ? "invalid_request_error" : "server_error");
    error.put("param", field);
    ctx.status(status).json(Map.of("error", error));
  }
}
