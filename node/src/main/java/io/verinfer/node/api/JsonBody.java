package io.verinfer.node.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.VerinferException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Reads a request body as strict UTF-8 JSON, refusing anything else with a clear code. */
public final class JsonBody {
  static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private JsonBody() {}

  public static JsonNode read(Context ctx) {
    String contentType = ctx.contentType();
    if (contentType != null && !contentType.toLowerCase().startsWith("application/json")) {
      throw new VerinferException(
          ErrorCode.UNSUPPORTED_MEDIA_TYPE,
          "Content-Type",
          "send the body as application/json, not " + contentType);
    }
    byte[] body = ctx.bodyAsBytes();
    if (body.length == 0) {
      throw new VerinferException(ErrorCode.MALFORMED_JSON, "body", "the request body is empty");
    }
    String text;
    try {
      text = strictUtf8(body);
    } catch (CharacterCodingException e) {
      throw new VerinferException(
          ErrorCode.INVALID_TEXT, "body", "the request body is not valid UTF-8 text", e);
    }
    try {
      JsonNode node = JSON.readTree(text);
      if (node == null || !node.isObject()) {
        throw new VerinferException(
            ErrorCode.MALFORMED_JSON, "body", "the request body must be a JSON object");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new VerinferException(
          ErrorCode.MALFORMED_JSON,
          "body",
          "the request body is not valid JSON: "
              + e.getOriginalMessage()
              + " (line "
              + e.getLocation().getLineNr()
              + ", column "
              + e.getLocation().getColumnNr()
              + ")",
          e);
    }
  }

  /** {@code bytes} as UTF-8 text, refusing malformed sequences instead of replacing them. */
  public static String strictUtf8(byte[] bytes) throws CharacterCodingException {
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes))
        .toString();
  }
}
