package io.verinfer.client.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.verinfer.client.InferenceException;
import io.verinfer.client.InvalidCheckpointException;
import io.verinfer.client.ProviderRefusedException;
import io.verinfer.client.Routing;
import io.verinfer.client.TextDelta;
import io.verinfer.client.TextGeneration;
import io.verinfer.client.TextResult;
import io.verinfer.client.TextStream;
import io.verinfer.client.Verification;
import io.verinfer.client.VerinferClient;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.PaymentHeaders;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/chat/completions} and {@code POST /v1/completions}, OpenAI-compatible, paid
 * through the SDK. The gateway always streams from the provider; for {@code stream: true} it passes
 * each chunk on as it arrives (one flushed server-sent event per delta), for {@code stream: false}
 * it answers the aggregated completion. Under {@code X-Verinfer-Verify: sampled(p)} the answer is
 * streamed first and checked after (the report rides on the last event); under redundant(k) it is
 * generated and compared first (a majority cannot be streamed before it is known), then answered,
 * as one content chunk when streamed.
 */
final class TextCompletionsEndpoint implements Handler {
  private static final Logger LOG = LoggerFactory.getLogger(TextCompletionsEndpoint.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom IDS = new SecureRandom();

  private final VerinferClient client;
  private final ModelNames models;
  private final Routing routing;
  private final boolean chat;

  TextCompletionsEndpoint(VerinferClient client, ModelNames models, Routing routing, boolean chat) {
    this.client = client;
    this.models = models;
    this.routing = routing;
    this.chat = chat;
  }

  @Override
  public void handle(Context ctx) throws IOException {
    JsonNode body = Bodies.json(ctx);
    String name = body.path("model").asText(null);
    ModelId model = models.resolve(name, "model");
    TextGeneration g = OpenAiText.generation(body, chat);
    boolean stream = OpenAiText.bool(body, "stream", false);
    boolean includeUsage =
        OpenAiText.bool(body.path("stream_options"), "include_usage", false, "stream_options");
    Routing route = Bodies.routing(ctx, routing);
    Verification verification = Bodies.verification(ctx, client.options().verification());
    Shape shape = new Shape(chat, name, id(), System.currentTimeMillis() / 1000);
    if (verification instanceof Verification.Redundant) {
      TextResult result = client.generate(model, g, route, verification);
      if (stream) {
        streamed(ctx, shape, includeUsage, result);
      } else {
        whole(ctx, shape, result);
      }
      return;
    }
    try (TextStream s = client.streamText(model, g, route)) {
      if (!stream) {
        TextResult result = s.complete();
        if (verification instanceof Verification.Sampled sampled) {
          result = client.check(model, g, route, sampled, result);
        }
        whole(ctx, shape, result);
        return;
      }
      ctx.header("X-Verinfer-Provider", s.provider().value());
      OutputStream out = open(ctx);
      send(out, shape.chunk(chat ? role() : text(""), null));
      try {
        while (s.hasNext()) {
          TextDelta d = s.next();
          if (!d.text().isEmpty()) {
            send(out, shape.chunk(chat ? content(d.text()) : text(d.text()), null));
          }
        }
      } catch (InferenceException e) {
        LOG.warn(
            "{} {}: the stream from {} failed: {}",
            ctx.method(),
            ctx.path(),
            s.provider(),
            e.getMessage());
        send(out, error(e));
        done(out);
        return;
      }
      TextResult result = s.result();
      if (verification instanceof Verification.Sampled sampled) {
        // streamed first; the re-run's report rides on the last event
        result = client.check(model, g, route, sampled, result);
      }
      finish(out, shape, includeUsage, result);
    }
  }

  /** A verified result, streamed as one content chunk. */
  private void streamed(Context ctx, Shape shape, boolean includeUsage, TextResult r)
      throws IOException {
    ctx.header("X-Verinfer-Provider", r.provider().value());
    ctx.header(Bodies.VERIFICATION, r.verification().summary());
    OutputStream out = open(ctx);
    send(out, shape.chunk(chat ? role() : text(""), null));
    if (!r.text().isEmpty()) {
      send(out, shape.chunk(chat ? content(r.text()) : text(r.text()), null));
    }
    finish(out, shape, includeUsage, r);
  }

  private void finish(OutputStream out, Shape shape, boolean includeUsage, TextResult r)
      throws IOException {
    ObjectNode last = shape.chunk(chat ? JSON.createObjectNode() : text(""), r.finishReason());
    if (includeUsage) {
      send(out, last);
      last = shape.base(chat ? "chat.completion.chunk" : "text_completion");
      last.putArray("choices");
      last.set("usage", usage(r));
    }
    last.set("verinfer", verinfer(r)); // the final receipt rides on the last event
    send(out, last);
    done(out);
  }

  private void whole(Context ctx, Shape shape, TextResult r) {
    ObjectNode answer = shape.base(chat ? "chat.completion" : "text_completion");
    ObjectNode choice = answer.putArray("choices").addObject().put("index", 0);
    if (chat) {
      choice.putObject("message").put("role", "assistant").put("content", r.text());
    } else {
      choice.put("text", r.text());
    }
    choice.putNull("logprobs");
    choice.put("finish_reason", r.finishReason());
    answer.set("usage", usage(r));
    answer.set("verinfer", verinfer(r));
    ctx.header(Bodies.VERIFICATION, r.verification().summary());
    ctx.header("X-Verinfer-Provider", r.provider().value());
    ctx.header("X-Verinfer-Amount", r.amount().toString());
    if (r.paid()) {
      ctx.header(PaymentHeaders.RECEIPT, PaymentHeaders.encode(r.receipt()));
    }
    ctx.contentType("application/json").result(answer.toString());
  }

  private static ObjectNode usage(TextResult r) {
    return JSON.createObjectNode()
        .put("prompt_tokens", r.promptTokens())
        .put("completion_tokens", r.completionTokens())
        .put("total_tokens", r.promptTokens() + r.completionTokens());
  }

  private static ObjectNode verinfer(TextResult r) {
    ObjectNode v = JSON.createObjectNode();
    v.put("provider", r.provider().value());
    v.put("amount", r.amount().toString());
    v.put("call", r.call());
    if (r.paid()) {
      v.put("receipt", PaymentHeaders.encode(r.receipt()));
    }
    v.put("verification", r.verification().summary());
    return v;
  }

  private static ObjectNode error(InferenceException e) {
    String code =
        e instanceof InvalidCheckpointException
            ? "INVALID_RECEIPT"
            : e instanceof ProviderRefusedException r ? r.code() : "PROVIDER_FAILED";
    ObjectNode error = JSON.createObjectNode();
    error
        .putObject("error")
        .put("code", code)
        .putNull("field")
        .put("message", e.getMessage())
        .put("type", "server_error")
        .putNull("param");
    return error;
  }

  private static ObjectNode role() {
    return JSON.createObjectNode().put("role", "assistant").put("content", "");
  }

  private static ObjectNode content(String text) {
    return JSON.createObjectNode().put("content", text);
  }

  /** A completions choice body: marked by the {@code text} key (see {@link Shape#chunk}). */
  private static ObjectNode text(String text) {
    return JSON.createObjectNode().put("text", text);
  }

  private static OutputStream open(Context ctx) throws IOException {
    ctx.status(200);
    ctx.res().setContentType("text/event-stream");
    ctx.res().setCharacterEncoding("utf-8");
    ctx.res().setHeader("Cache-Control", "no-cache");
    OutputStream out = ctx.res().getOutputStream();
    out.flush(); // headers now: the caller sees the provider before the first token
    return out;
  }

  private static void send(OutputStream out, JsonNode event) throws IOException {
    out.write(("data: " + event + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static void done(OutputStream out) throws IOException {
    out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private String id() {
    byte[] b = new byte[12];
    IDS.nextBytes(b);
    return (chat ? "chatcmpl-" : "cmpl-") + HexFormat.of().formatHex(b);
  }

  /** The fields every object of one answer shares. */
  private record Shape(boolean chat, String model, String id, long created) {
    ObjectNode base(String object) {
      ObjectNode o = JSON.createObjectNode();
      o.put("id", id).put("object", object).put("created", created).put("model", model);
      return o;
    }

    /** One chunk: a chat delta, or a completions {@code text} body; finish reason or null. */
    ObjectNode chunk(ObjectNode delta, String finishReason) {
      ObjectNode c = base(chat ? "chat.completion.chunk" : "text_completion");
      ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
      if (chat) {
        choice.set("delta", delta);
      } else {
        choice.put("text", delta.path("text").asText(""));
      }
      choice.putNull("logprobs");
      if (finishReason == null) {
        choice.putNull("finish_reason");
      } else {
        choice.put("finish_reason", finishReason);
      }
      return c;
    }
  }
}
