package io.verinfer.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.LocalKeySigner;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.Receipt;
import io.verinfer.protocol.SignedReceipt;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import io.verinfer.protocol.text.TextOutput;
import io.verinfer.protocol.text.TextPrice;
import io.verinfer.protocol.text.TextRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.web3j.crypto.ECKeyPair;

/**
 * A text provider on 127.0.0.1 speaking the node's wire format (docs/architecture.md, "Text wire
 * format"): it keeps one lane the way a node does — opening vouchers one call above the newest,
 * payment vouchers monotonic, {@code owed} rising by each prompt and each generated token, a prompt
 * run only once paid, decoding paused beyond the window — and can be told to lie in its
 * checkpoints. Its "model" turns the prompt's UTF-8 bytes (its token ids) and the seed into {@code
 * max_tokens} tokens; token {@code t} reads {@code "<t>"}.
 */
final class ScriptedTextProvider implements AutoCloseable {
  /** How the next stream goes. */
  enum Mode {
    HONEST,
    /** Its checkpoints sign other tokens than the ones it sent. */
    SIGN_OTHER_TOKENS,
    /** Its checkpoints claim one base unit more than the tokens cost. */
    WRONG_AMOUNT,
    /** Its checkpoints sign another input hash than its opening reported. */
    WRONG_INPUT_HASH,
    /** Its opening reports an input hash of another request. */
    WRONG_OPENING_HASH,
    /** It refuses the request as too long for its context. */
    REFUSE_CONTEXT
  }

  static final LocalKeySigner KEY = LocalKeySigner.of(ECKeyPair.create(BigInteger.valueOf(5151)));
  static final int K = 4; // a checkpoint every K tokens
  static final int WINDOW = 8; // tokens per open stream beyond what is paid
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Eip712Domain domain;
  private final ModelId model;
  private final TextPrice price;
  private final Javalin app;
  private volatile Mode mode = Mode.HONEST;
  private SignedVoucher newest;
  private TokenAmount owed = TokenAmount.ZERO;
  private int streamsPastPrompt;
  private final List<Voucher> accepted = new ArrayList<>();
  private final List<String> refusals = new ArrayList<>();
  private TokenAmount quotedInput;

  ScriptedTextProvider(Eip712Domain domain, ModelId model, TextPrice price) {
    this.domain = domain;
    this.model = model;
    this.price = price;
    this.quotedInput = price.input();
    this.app = Javalin.create(c -> c.showJavalinBanner = false);
    app.get("/v1/models", this::models);
    app.post("/v1/chat/completions", this::stream);
    app.post("/v1/completions", this::stream);
    app.post("/v1/lanes/{consumer}/{modelId}/voucher", this::pay);
    app.start("127.0.0.1", 0);
  }

  String baseUrl() {
    return "http://127.0.0.1:" + app.port();
  }

  void next(Mode value) {
    mode = value;
  }

  /** Quote {@code value} per input token from now on (however it compares to the output price). */
  synchronized void quoteInput(TokenAmount value) {
    quotedInput = value;
  }

  synchronized SignedVoucher newest() {
    return newest;
  }

  /** Every voucher it took, in the order it took them. */
  synchronized List<Voucher> accepted() {
    return List.copyOf(accepted);
  }

  /** Vouchers it refused (should be none: the client sends them monotonically). */
  synchronized List<String> refusals() {
    return List.copyOf(refusals);
  }

  private synchronized void models(Context ctx) {
    ObjectNode m = JSON.createObjectNode();
    ObjectNode entry = m.putArray("data").addObject().put("id", "scripted").put("object", "model");
    ObjectNode v = entry.putObject("verinfer");
    v.put("task", "text-generation").put("context_length", 512).put("model_id", "" + model.value());
    v.putObject("prices")
        .put("input", quotedInput.toString())
        .put("output", price.output().toString());
    ctx.json(m);
  }

  private synchronized boolean take(SignedVoucher s, boolean opening, Context ctx) {
    Voucher v = s.voucher();
    Voucher old = newest == null ? null : newest.voucher();
    String fault = null;
    if (!s.verify(domain)) {
      fault = "INVALID_VOUCHER_SIGNATURE";
    } else if (!v.provider().equals(KEY.address()) || !v.modelId().equals(model)) {
      fault = "WRONG_LANE";
    } else if (opening) {
      long want = old == null ? 1 : old.cumulativeCalls() + 1;
      if (v.cumulativeCalls() != want
          || (old != null && v.cumulativeAmount().compareTo(old.cumulativeAmount()) < 0)) {
        fault = "STALE_VOUCHER";
      }
    } else if (old != null
        && (v.cumulativeCalls() < old.cumulativeCalls()
            || v.cumulativeAmount().compareTo(old.cumulativeAmount()) < 0
            || (v.cumulativeCalls() == old.cumulativeCalls()
                && v.cumulativeAmount().equals(old.cumulativeAmount())))) {
      fault = "STALE_VOUCHER";
    }
    if (fault != null) {
      refusals.add(fault + " " + v);
      ctx.status(409)
          .json(
              Map.of(
                  "error",
                  Map.of("code", fault, "field", "X-Verinfer-Voucher", "message", "refused " + v)));
      return false;
    }
    newest = s;
    accepted.add(v);
    notifyAll();
    return true;
  }

  private void pay(Context ctx) {
    if (take(PaymentHeaders.decodeVoucher(ctx.header(PaymentHeaders.VOUCHER)), false, ctx)) {
      ctx.json(Map.of("cumulativeAmount", newest().voucher().cumulativeAmount().toString()));
    }
  }

  private synchronized TokenAmount paid() {
    return newest == null ? TokenAmount.ZERO : newest.voucher().cumulativeAmount();
  }

  private void stream(Context ctx) throws IOException, InterruptedException {
    Mode now = mode;
    mode = Mode.HONEST;
    JsonNode body = JSON.readTree(ctx.body());
    if (now == Mode.REFUSE_CONTEXT) {
      ctx.status(400)
          .json(
              Map.of(
                  "error",
                  Map.of(
                      "code", "CONTEXT_LENGTH_EXCEEDED",
                      "field", "max_tokens",
                      "param", "max_tokens",
                      "type", "invalid_request_error",
                      "message", "prompt 3 + max_tokens 9999 tokens exceed the context of 512")));
      return;
    }
    StringBuilder text = new StringBuilder();
    if (body.has("messages")) {
      body.get("messages").forEach(m -> text.append(m.path("content").asText()));
    } else {
      text.append(body.path("prompt").asText());
    }
    byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
    int[] prompt = new int[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      prompt[i] = bytes[i] & 0xff;
    }
    long seed = body.path("seed").asLong();
    int maxTokens = body.path("max_tokens").asInt(6);
    List<String> stop = new ArrayList<>();
    body.path("stop").forEach(s -> stop.add(s.asText()));
    TextRequest request =
        new TextRequest(
            prompt,
            body.path("temperature").asDouble(1),
            body.path("top_p").asDouble(1),
            seed,
            maxTokens,
            stop);
    SignedVoucher opening = PaymentHeaders.decodeVoucher(ctx.header(PaymentHeaders.VOUCHER));
    if (!take(opening, true, ctx)) {
      return;
    }
    long call = opening.voucher().cumulativeCalls();
    TokenAmount promptCost = price.cost(prompt.length, 0);
    TokenAmount due;
    synchronized (this) {
      if (owed.compareTo(opening.voucher().cumulativeAmount()) < 0) {
        owed = opening.voucher().cumulativeAmount();
      }
      owed = owed.plus(promptCost);
      due = owed;
    }
    ctx.res().setContentType("text/event-stream");
    OutputStream out = ctx.res().getOutputStream();
    ObjectNode first = chunk();
    first
        .putArray("choices")
        .addObject()
        .put("index", 0)
        .putObject("delta")
        .put("role", "assistant")
        .put("content", "");
    ObjectNode v = first.putObject("verinfer");
    v.put("seed", seed).put("call", call).put("due", due.toString());
    v.put("prompt_tokens", prompt.length);
    var ids = v.putArray("prompt_token_ids");
    for (int t : prompt) {
      ids.add(t);
    }
    v.put(
        "input_hash",
        (now == Mode.WRONG_OPENING_HASH ? Bytes32.keccak256(new byte[] {9}) : request.hash())
            .hex());
    v.putObject("prices")
        .put("input", quotedInput.toString())
        .put("output", price.output().toString());
    send(out, first);
    synchronized (this) {
      long until = System.currentTimeMillis() + 5_000;
      while (paid().compareTo(due) < 0) {
        long left = until - System.currentTimeMillis();
        if (left <= 0) {
          send(out, error("PAYMENT_REQUIRED", "the prompt was not paid"));
          done(out);
          return;
        }
        wait(left);
      }
      streamsPastPrompt++;
    }
    try {
      int[] tokens = new int[maxTokens];
      for (int i = 0; i < maxTokens; i++) {
        synchronized (this) {
          long until = System.currentTimeMillis() + 5_000;
          // a token only while owed + price <= paid + W × price × streams past their prompt
          while (owed.plus(price.output())
                  .compareTo(paid().plus(price.output().times((long) WINDOW * streamsPastPrompt)))
              > 0) {
            long left = until - System.currentTimeMillis();
            if (left <= 0) {
              send(out, error("WINDOW", "the window ran out"));
              done(out);
              return;
            }
            wait(left);
          }
          owed = owed.plus(price.output());
        }
        tokens[i] = (int) ((seed + 31L * i + prompt.length) % 900) + 100;
        boolean last = i == maxTokens - 1;
        ObjectNode c = chunk();
        c.putArray("choices")
            .addObject()
            .put("index", 0)
            .putObject("delta")
            .put("content", "<" + tokens[i] + ">");
        c.putObject("verinfer").putArray("tokens").add(tokens[i]);
        if ((i + 1) % K == 0 && !last) {
          checkpoint(c, now, request, tokens, i + 1, TextOutput.End.RUNNING, call);
        }
        send(out, c);
        if (last) {
          ObjectNode f = chunk();
          f.putArray("choices").addObject().put("index", 0).putObject("delta");
          ((ObjectNode) f.get("choices").get(0)).put("finish_reason", "length");
          f.putObject("verinfer");
          checkpoint(f, now, request, tokens, i + 1, TextOutput.End.LENGTH, call);
          send(out, f);
          ObjectNode u = chunk();
          u.putArray("choices");
          u.putObject("usage")
              .put("prompt_tokens", prompt.length)
              .put("completion_tokens", maxTokens)
              .put("total_tokens", prompt.length + maxTokens);
          send(out, u);
        }
      }
      done(out);
    } finally {
      synchronized (this) {
        streamsPastPrompt--;
        notifyAll();
      }
    }
  }

  private void checkpoint(
      ObjectNode c,
      Mode now,
      TextRequest request,
      int[] tokens,
      int n,
      TextOutput.End end,
      long call) {
    int[] signed = java.util.Arrays.copyOf(tokens, n);
    if (now == Mode.SIGN_OTHER_TOKENS) {
      signed[n - 1] = signed[n - 1] + 1;
    }
    TokenAmount cost = price.cost(request.promptTokens().length, n);
    if (now == Mode.WRONG_AMOUNT) {
      cost = cost.plus(TokenAmount.of(1));
    }
    Bytes32 input =
        now == Mode.WRONG_INPUT_HASH ? Bytes32.keccak256(new byte[] {7}) : request.hash();
    Receipt r =
        new Receipt(
            newest().voucher().consumer(),
            KEY.address(),
            model,
            input,
            new TextOutput(end, signed).hash(),
            cost,
            call);
    ObjectNode v = (ObjectNode) c.get("verinfer");
    v.put("receipt", PaymentHeaders.encode(SignedReceipt.sign(r, domain, KEY)));
    v.put("completion_tokens", n).put("cost", cost.toString());
  }

  private static ObjectNode chunk() {
    return JSON.createObjectNode().put("id", "chatcmpl-1").put("object", "chat.completion.chunk");
  }

  private static ObjectNode error(String code, String message) {
    ObjectNode e = JSON.createObjectNode();
    e.putObject("error").put("code", code).put("message", message);
    return e;
  }

  private static void send(OutputStream out, JsonNode event) throws IOException {
    out.write(("data: " + event + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static void done(OutputStream out) throws IOException {
    out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  @Override
  public void close() {
    app.stop();
  }
}
