package io.verinfer.node.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.verinfer.node.faults.OutputCorruptor;
import io.verinfer.node.metrics.TextMetrics;
import io.verinfer.node.payment.TextPaymentRules;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.SignedReceipt;
import io.verinfer.protocol.VerinferException;
import io.verinfer.protocol.text.TextOutput;
import io.verinfer.runtime.textgen.FinishReason;
import io.verinfer.runtime.textgen.GeneratedChunk;
import io.verinfer.runtime.textgen.Generation;
import io.verinfer.runtime.textgen.TextGenerator;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the two {@link TextEndpoints} share: check the request, then answer one OpenAI object or a
 * server-sent event stream (see docs/architecture.md, "Text wire format"). A paid node serves
 * streams only, each opened with a voucher and run under {@link TextPaymentRules}: the prompt runs
 * once paid, tokens within the window, checkpoints signed every K tokens or interval and at the
 * end.
 */
final class TextAnswering {
  /** How a node takes payment for text. */
  enum Mode {
    FREE,
    PAID,
    REFUSE
  }

  /** The two OpenAI shapes. */
  enum Shape {
    CHAT("chatcmpl-", "chat.completion", "chat.completion.chunk"),
    COMPLETION("cmpl-", "text_completion", "text_completion");

    final String idPrefix;
    final String object;
    final String chunkObject;

    Shape(String idPrefix, String object, String chunkObject) {
      this.idPrefix = idPrefix;
      this.object = object;
      this.chunkObject = chunkObject;
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(TextAnswering.class);
  private static final SecureRandom IDS = new SecureRandom();
  private static final Duration KEEPALIVE = Duration.ofSeconds(5);

  /**
   * Tokens decoded within this long of a stream's last event go out together in its next event (the
   * first token at once, and always before a checkpoint or a wait for credit): at a fast model's
   * hundreds of tokens a second per stream, one event per token costs more CPU in JSON, TLS records
   * and the reader's wake-ups than decoding the token does; 100 events a second is still far
   * smoother than anyone reads.
   */
  static final Duration EVENT_INTERVAL = Duration.ofMillis(20);

  private final TextCatalog catalog;
  private final TextCallParser parser;
  private final Mode mode;
  private final TextPaymentRules rules; // null unless PAID
  private final OutputCorruptor faults;
  private final TextMetrics metrics;

  TextAnswering(
      TextCatalog catalog,
      Mode mode,
      TextPaymentRules rules,
      OutputCorruptor faults,
      TextMetrics metrics) {
    if ((mode == Mode.PAID) != (rules != null)) {
      throw new IllegalArgumentException("a paid text API needs payment rules, and only it");
    }
    this.catalog = catalog;
    this.parser = new TextCallParser(catalog);
    this.mode = mode;
    this.rules = rules;
    this.faults = faults;
    this.metrics = metrics;
  }

  void handle(Context ctx, Shape shape) {
    long started = System.nanoTime();
    JsonNode body = JsonBody.read(ctx);
    TextCall call = shape == Shape.CHAT ? parser.chat(body) : parser.completion(body);
    if (mode == Mode.REFUSE) {
      throw new VerinferException(
          ErrorCode.PAYMENT_REQUIRED,
          PaymentHeaders.VOUCHER,
          "this node only serves paid calls; open a stream with a voucher (or start the node with"
              + " --unpaid on a devnet)");
    }
    TextPaymentRules.Stream paid = null;
    if (mode == Mode.PAID) {
      if (!call.stream()) {
        throw new VerinferException(
            ErrorCode.MALFORMED_REQUEST,
            "stream",
            "a paid node serves text as streams only (\"stream\": true, paid per token); the"
                + " Verinfer SDK and gateway stream to providers and aggregate for clients that ask"
                + " for \"stream\": false");
      }
      paid = rules.open(call.model().name(), ctx.header(PaymentHeaders.VOUCHER), call.commitment());
    }
    Answer answer = new Answer(ctx, shape, call, paid, started);
    try {
      if (call.stream()) {
        answer.stream();
      } else {
        answer.whole();
      }
    } finally {
      if (paid != null) {
        paid.close(); // ended already unless something threw
      }
    }
  }

  /** One request being answered. */
  private final class Answer {
    private final Context ctx;
    private final Shape shape;
    private final TextCall call;
    private final TextPaymentRules.Stream paid;
    private final long startedNanos;
    private final String id;
    private final long created = System.currentTimeMillis() / 1000;
    private final boolean corrupt;
    private final TextGenerator generator = catalog.generator().orElseThrow();
    private int[] sent = new int[0];
    private boolean windowRanOut;
    private int checkpointedTokens;
    private long lastCheckpointNanos;
    // decoded but not yet sent (see EVENT_INTERVAL)
    private int[] pendingTokens = new int[0];
    private final StringBuilder pendingText = new StringBuilder();
    private int tokenEvents;
    private long lastEventNanos;

    Answer(
        Context ctx, Shape shape, TextCall call, TextPaymentRules.Stream paid, long startedNanos) {
      this.ctx = ctx;
      this.shape = shape;
      this.call = call;
      this.paid = paid;
      this.startedNanos = startedNanos;
      this.id = randomId();
      this.corrupt = faults.draw();
    }

    private String randomId() {
      byte[] b = new byte[12];
      IDS.nextBytes(b);
      return shape.idPrefix + HexFormat.of().formatHex(b);
    }

    /** {@code tokens} as this node sends and commits them (changed when it injects faults). */
    private int[] outgoing(int[] tokens) {
      return corrupt ? OutputCorruptor.corruptTokens(tokens, call.model().vocabSize()) : tokens;
    }

    void whole() {
      metrics.opened();
      Generation g;
      try {
        metrics.promptTokens(call.promptLength());
        g =
            generator.generate(
                call.model().name(),
                call.generation(),
                chunk -> {
                  if (sent.length == 0) {
                    metrics.firstToken((System.nanoTime() - startedNanos) / 1e9);
                  }
                  append(outgoing(chunk.tokens()));
                  metrics.completionTokens(chunk.tokenCount());
                  return true;
                });
      } finally {
        metrics.closed();
      }
      String text = corrupt ? generator.decode(call.model().name(), sent) : g.text();
      ObjectNode response = JsonBody.JSON.createObjectNode();
      response.put("id", id);
      response.put("object", shape.object);
      response.put("created", created);
      response.put("model", call.asked());
      response.put("system_fingerprint", fingerprint());
      ArrayNode choices = response.putArray("choices");
      ObjectNode choice = choices.addObject();
      choice.put("index", 0);
      if (shape == Shape.CHAT) {
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", text);
      } else {
        choice.put("text", text);
      }
      choice.putNull("logprobs");
      choice.put("finish_reason", g.finishReason().apiName());
      usage(response.putObject("usage"));
      ObjectNode v = response.putObject("verinfer");
      v.put("seed", call.params().seed());
      v.put("prompt_tokens", call.promptLength());
      ids(v.putArray("prompt_token_ids"), call.promptTokens());
      v.put("max_tokens", call.params().maxTokens());
      v.put("input_hash", call.commitment().hash().hex());
      v.put("output_hash", new TextOutput(end(g.finishReason()), sent).hash().hex());
      ids(v.putArray("tokens"), sent);
      ctx.contentType("application/json").result(response.toString());
    }

    void stream() {
      EventStream events = EventStream.open(ctx);
      ObjectNode first = chunk(shape == Shape.CHAT ? roleDelta() : null, "");
      ObjectNode v = first.putObject("verinfer");
      v.put("seed", call.params().seed());
      v.put("prompt_tokens", call.promptLength());
      ids(v.putArray("prompt_token_ids"), call.promptTokens());
      v.put("max_tokens", call.params().maxTokens());
      v.put("input_hash", call.commitment().hash().hex());
      if (paid != null) {
        v.put("call", paid.call());
        v.put("due", paid.due().toString());
        ObjectNode prices = v.putObject("prices");
        prices.put("input", paid.price().input().toString());
        prices.put("output", paid.price().output().toString());
      }
      if (!events.send(first.toString())) {
        cancelled("the client went away before the prompt ran");
        return;
      }
      if (paid != null && !awaitPrompt(events)) {
        return;
      }
      boolean room;
      try {
        room = paid == null || awaitRoom(events); // other streams of the lane may hold the window
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        room = false;
      }
      if (!room && !windowRanOut) {
        paid.end(null);
        cancelled("the client went away before its first token");
        return;
      }
      Generation g = null;
      metrics.opened();
      lastCheckpointNanos = System.nanoTime();
      try {
        if (room) {
          metrics.promptTokens(call.promptLength());
          g =
              generator.generate(
                  call.model().name(), call.generation(), chunk -> onChunk(events, chunk));
        }
      } catch (VerinferException e) {
        error(events, e);
        return;
      } catch (RuntimeException e) {
        LOG.error("text generation failed on {}", call.model().name(), e);
        error(
            events,
            new VerinferException(
                ErrorCode.INTERNAL, null, "the node failed to generate; see its log", e));
        return;
      } finally {
        metrics.closed();
      }
      if (pendingTokens.length > 0 && !events.broken()) {
        flush(events, false, System.nanoTime()); // the last tokens, before the final checkpoint
      }
      FinishReason reason = windowRanOut || g == null ? FinishReason.CANCELLED : g.finishReason();
      TextOutput output = new TextOutput(end(reason), sent);
      SignedReceipt last = paid == null ? null : paid.checkpoint(output);
      if (paid != null) {
        paid.end(last);
      }
      if (events.broken()) {
        LOG.info(
            "{} {}: the client went away after {} tokens; generation cancelled",
            ctx.method(),
            ctx.path(),
            sent.length);
        return;
      }
      ObjectNode fin = chunk(shape == Shape.CHAT ? JsonBody.JSON.createObjectNode() : null, "");
      ((ObjectNode) fin.get("choices").get(0)).put("finish_reason", reason.apiName());
      ObjectNode fv = fin.putObject("verinfer");
      fv.put("output_hash", output.hash().hex());
      fv.put("completion_tokens", sent.length);
      if (last != null) {
        receipt(fv, last);
      }
      events.send(fin.toString());
      if (call.includeUsage()) {
        ObjectNode u = base();
        u.putArray("choices");
        usage(u.putObject("usage"));
        if (last != null) {
          receipt(u.putObject("verinfer"), last);
        }
        events.send(u.toString());
      }
      events.done();
    }

    private boolean awaitPrompt(EventStream events) {
      long deadline = System.nanoTime() + rules.settings().promptWait().toNanos();
      try {
        while (!paid.promptPaid()) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            paid.end(null);
            error(
                events,
                new VerinferException(
                    ErrorCode.PAYMENT_REQUIRED,
                    PaymentHeaders.VOUCHER,
                    "the prompt was not paid within "
                        + rules.settings().promptWait().toSeconds()
                        + " s: POST /v1/lanes/{consumer}/{modelId}/voucher a voucher of at least "
                        + paid.due()
                        + "; nothing ran and nothing is charged"));
            return false;
          }
          if (!paid.awaitPrompt(min(KEEPALIVE, Duration.ofNanos(left)))
              && !events.comment("waiting for the prompt's payment")) {
            paid.end(null);
            cancelled("the client went away while its prompt waited for payment");
            return false;
          }
        }
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        paid.end(null);
        return false;
      }
    }

    /** Waits (bounded by the credit wait) for the window to admit a token; false: give up. */
    private boolean awaitRoom(EventStream events) throws InterruptedException {
      long deadline = System.nanoTime() + rules.settings().creditWait().toNanos();
      while (!paid.roomForToken()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          windowRanOut = true;
          LOG.info(
              "stream #{} on {}: paused at the window for {} s without a voucher; cancelled",
              paid.call(),
              call.model().name(),
              rules.settings().creditWait().toSeconds());
          return false;
        }
        if (!paid.awaitRoom(min(KEEPALIVE, Duration.ofNanos(left)))
            && !events.comment("waiting for a voucher")) {
          return false;
        }
      }
      return true;
    }

    private boolean onChunk(EventStream events, GeneratedChunk chunk) {
      if (sent.length == 0) {
        metrics.firstToken((System.nanoTime() - startedNanos) / 1e9);
      }
      int[] tokens = outgoing(chunk.tokens());
      String text = corrupt ? generator.decode(call.model().name(), tokens) : chunk.text();
      append(tokens);
      metrics.completionTokens(tokens.length);
      int[] more = Arrays.copyOf(pendingTokens, pendingTokens.length + tokens.length);
      System.arraycopy(tokens, 0, more, pendingTokens.length, tokens.length);
      pendingTokens = more;
      pendingText.append(text);
      long now = System.nanoTime();
      boolean checkpoint = false;
      boolean mustWait = false;
      if (paid != null) {
        paid.charge(tokens.length);
        checkpoint =
            sent.length - checkpointedTokens >= rules.settings().checkpointTokens()
                || now - lastCheckpointNanos >= rules.settings().checkpointInterval().toNanos();
        // the client pays for what it has seen: everything goes out before a wait for credit
        mustWait = sent.length < call.params().maxTokens() && !paid.roomForToken();
      }
      if (checkpoint
          || mustWait
          || tokenEvents == 0
          || now - lastEventNanos >= EVENT_INTERVAL.toNanos()) {
        if (!flush(events, checkpoint, now)) {
          return false; // the client went away: stop generating
        }
      }
      if (paid != null && sent.length < call.params().maxTokens()) {
        try {
          return awaitRoom(events);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }

    /** Sends the pending tokens in one event, with a checkpoint over everything sent if asked. */
    private boolean flush(EventStream events, boolean checkpoint, long now) {
      String text = pendingText.toString();
      ObjectNode c = chunk(shape == Shape.CHAT ? contentDelta(text) : null, text);
      ObjectNode v = c.putObject("verinfer");
      ids(v.putArray("tokens"), pendingTokens);
      if (checkpoint) {
        receipt(v, paid.checkpoint(new TextOutput(TextOutput.End.RUNNING, sent)));
        checkpointedTokens = sent.length;
        lastCheckpointNanos = now;
      }
      pendingTokens = new int[0];
      pendingText.setLength(0);
      tokenEvents++;
      lastEventNanos = now;
      return events.send(c.toString());
    }

    private void receipt(ObjectNode v, SignedReceipt r) {
      v.put("receipt", PaymentHeaders.encode(r));
      v.put("completion_tokens", sent.length);
      v.put("cost", r.receipt().cumulativeAmount().toString());
      v.put("due", paid.owed().toString());
    }

    private void error(EventStream events, VerinferException e) {
      LOG.info(
          "{} {}: stream ended with {} at {}: {}",
          ctx.method(),
          ctx.path(),
          e.code(),
          e.field(),
          e.getMessage());
      ObjectNode err = JsonBody.JSON.createObjectNode();
      ObjectNode inner = err.putObject("error");
      inner.put("code", e.code().name());
      inner.put("field", e.field());
      inner.put("message", e.getMessage());
      inner.put("type", e.code().httpStatus() < 500 ? "invalid_request_error" : "server_error");
      inner.put("param", e.field());
      events.send(err.toString());
      events.done();
    }

    private void cancelled(String why) {
      LOG.info("{} {}: {}", ctx.method(), ctx.path(), why);
    }

    private void append(int[] tokens) {
      int[] next = Arrays.copyOf(sent, sent.length + tokens.length);
      System.arraycopy(tokens, 0, next, sent.length, tokens.length);
      sent = next;
    }

    private ObjectNode base() {
      ObjectNode c = JsonBody.JSON.createObjectNode();
      c.put("id", id);
      c.put("object", shape.chunkObject);
      c.put("created", created);
      c.put("model", call.asked());
      c.put("system_fingerprint", fingerprint());
      return c;
    }

    /** A chunk with one choice: {@code delta} for chat, {@code text} for completions. */
    private ObjectNode chunk(ObjectNode delta, String text) {
      ObjectNode c = base();
      ObjectNode choice = c.putArray("choices").addObject();
      choice.put("index", 0);
      if (shape == Shape.CHAT) {
        choice.set("delta", delta);
      } else {
        choice.put("text", text);
      }
      choice.putNull("logprobs");
      choice.putNull("finish_reason");
      if (call.includeUsage()) {
        c.putNull("usage");
      }
      return c;
    }

    private ObjectNode roleDelta() {
      ObjectNode d = JsonBody.JSON.createObjectNode();
      d.put("role", "assistant");
      d.put("content", "");
      return d;
    }

    private ObjectNode contentDelta(String text) {
      ObjectNode d = JsonBody.JSON.createObjectNode();
      d.put("content", text);
      return d;
    }

    private void usage(ObjectNode u) {
      u.put("prompt_tokens", call.promptLength());
      u.put("completion_tokens", sent.length);
      u.put("total_tokens", call.promptLength() + sent.length);
    }

    private String fingerprint() {
      return "verinfer-" + call.model().cid();
    }
  }

  static TextOutput.End end(FinishReason reason) {
    return switch (reason) {
      case STOP -> TextOutput.End.STOP;
      case LENGTH -> TextOutput.End.LENGTH;
      case CANCELLED -> TextOutput.End.CANCELLED;
    };
  }

  private static void ids(ArrayNode array, int[] tokens) {
    for (int t : tokens) {
      array.add(t);
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
