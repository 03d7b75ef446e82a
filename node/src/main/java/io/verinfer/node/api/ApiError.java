package io.verinfer.node.api;

import io.javalin.http.Context;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.VerinferException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one error body every endpoint answers with. It carries both Verinfer's fields ({@code code},
 * {@code field}, {@code message}) and OpenAI's ({@code type}, {@code param}), so OpenAI clients
 * surface it too:
 *
 * <pre>{"error":{"code":"WRONG_SHAPE","field":"inputs[0].shape","message":"…",
 *           "type":"invalid_request_error","param":"inputs[0].shape"}}</pre>
 */
public final class ApiError {
  private static final Logger LOG = LoggerFactory.getLogger(ApiError.class);
  private static final String REFUSAL = "verinfer.refusal";

  private ApiError() {}

  public static void respond(Context ctx, VerinferException e) {
    ErrorCode code = e.code();
    LOG.info(
        "refused {} {}: {} at {}: {}", ctx.method(), ctx.path(), code, e.field(), e.getMessage());
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", code.name());
    error.put("field", e.field());
    error.put("message", e.getMessage());
    error.put("type", code.httpStatus() < 500 ? "invalid_request_error" : "server_error");
    error.put("param", e.field());
    ctx.attribute(REFUSAL, code);
    ctx.status(code.httpStatus()).json(Map.of("error", error));
  }

  /** The code this request was refused with, if it was (what the refusal metrics count). */
  public static Optional<ErrorCode> refusal(Context ctx) {
    return Optional.ofNullable(ctx.attribute(REFUSAL));
  }

  public static void internal(Context ctx, Exception e) {
    LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
    respond(
        ctx,
        new VerinferException(
            ErrorCode.INTERNAL, null, "the node failed to serve this request; see its log", e));
  }
}
