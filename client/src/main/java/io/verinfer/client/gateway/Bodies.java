package io.verinfer.client.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.verinfer.client.InferenceResult;
import io.verinfer.client.Routing;
import io.verinfer.client.V2Json;
import io.verinfer.client.Verification;
import io.verinfer.protocol.PaymentHeaders;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Reading request bodies and stamping paid answers. */
final class Bodies {
  private Bodies() {}

  static JsonNode json(Context ctx) {
    byte[] body = ctx.bodyAsBytes();
    if (body.length == 0) {
      throw new GatewayError(400, "MALFORMED_JSON", "body", "the request body is empty");
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(body))
              .toString();
    } catch (CharacterCodingException e) {
      throw new GatewayError(
          400, "INVALID_TEXT", "body", "the request body is not valid UTF-8 text");
    }
    JsonNode node;
    try {
      node = V2Json.parse(text);
    } catch (IllegalArgumentException e) {
      throw new GatewayError(400, "MALFORMED_JSON", "body", e.getMessage());
    }
    if (node == null || !node.isObject()) {
      throw new GatewayError(
          400, "MALFORMED_JSON", "body", "the request body must be a JSON object");
    }
    return node;
  }

  /** The request header that limits which providers may serve a call. */
  static final String PROVIDERS = "X-Verinfer-Providers";

  static final String VERIFY = "X-Verinfer-Verify";
  static final String VERIFICATION = "X-Verinfer-Verification";

  /**
   * Where a call may go: the providers listed (comma-separated addresses) in the {@value PROVIDERS}
   * header, else the gateway's default.
   */
  static Routing routing(Context ctx, Routing fallback) {
    String header = ctx.header(PROVIDERS);
    if (header == null || header.isBlank()) {
      return fallback;
    }
    try {
      return Routing.parse(Arrays.asList(header.split(",")));
    } catch (IllegalArgumentException e) {
      throw new GatewayError(
          400,
          "MALFORMED_REQUEST",
          PROVIDERS,
          "'"
              + PROVIDERS
              + "' must list provider addresses separated by commas: "
              + e.getMessage());
    }
  }

  /** The request's verification mode ({@value #VERIFY}: none, sampled(p), redundant(k)). */
  static Verification verification(Context ctx, Verification fallback) {
    String header = ctx.header(VERIFY);
    if (header == null || header.isBlank()) {
      return fallback;
    }
    try {
      return Verification.parse(header);
    } catch (IllegalArgumentException e) {
      throw new GatewayError(400, "MALFORMED_REQUEST", VERIFY, e.getMessage());
    }
  }

  static void stamp(Context ctx, InferenceResult result) {
    ctx.header(VERIFICATION, result.verification().summary());
    if (result.paid()) {
      ctx.header(PaymentHeaders.RECEIPT, PaymentHeaders.encode(result.receipt()));
    }
    ctx.header("X-Verinfer-Provider", result.provider().value());
  }
}
