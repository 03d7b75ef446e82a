package io.verinfer.client;

import io.verinfer.protocol.Address;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Receipt;
import io.verinfer.protocol.SignedReceipt;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import io.verinfer.protocol.text.TextOutput;
import io.verinfer.protocol.text.TextPrice;
import io.verinfer.protocol.text.TextRequest;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A paid text generation as it streams: iterate to get each {@link TextDelta} as the provider sends
 * it, on the calling thread; once {@link #hasNext()} is false, {@link #result()} holds the checked
 * and paid result. Every checkpoint the provider signs is checked before anything more is paid —
 * its signature, the input hash (the prompt's token ids the provider reported and the parameters
 * sent), the output hash (the tokens received so far) and its amount (those tokens at the quoted
 * prices) — and then paid through the lane's one voucher sender. A checkpoint that does not check
 * out ends the stream with an {@link InvalidCheckpointException} holding the evidence.
 *
 * <p>Close a stream not read to its end: the client hangs up and pays nothing more (the provider
 * may have generated up to its window beyond the last checkpoint; see docs/architecture.md).
 */
public final class TextStream implements Iterator<TextDelta>, AutoCloseable {
  /** Everything a stream needs besides its event lines. */
  record Setup(
      ProviderOffer offer,
      ModelId model,
      TextGeneration generation,
      TextCaller.Terms terms,
      LanePayer payer,
      Eip712Domain domain,
      Address consumer,
      Clock clock,
      Duration timeout,
      Instant start) {}

  private final Setup s;
  private final Stream<String> closer;
  private final Iterator<String> lines;
  private final long call;
  private final TextRequest request;
  private int[] tokens = new int[64];
  private int count;
  private final StringBuilder text = new StringBuilder();
  private String finish;
  private TokenAmount streamPaid = TokenAmount.ZERO;
  private Voucher lastOwed;
  private SignedReceipt checkpoint;
  private TextOutput checkpointed;
  private Duration ttft;
  private TextDelta next;
  private TextResult result;
  private boolean ended;

  private TextStream(
      Setup s, Stream<String> closer, Iterator<String> lines, long call, TextRequest request) {
    this.s = s;
    this.closer = closer;
    this.lines = lines;
    this.call = call;
    this.request = request;
  }

  /** Reads the opening event and pays the prompt; closes the lines on any failure. */
  static TextStream open(Setup s, Stream<String> lines) throws InterruptedException {
    boolean ok = false;
    try {
      Iterator<String> it = lines.iterator();
      TextWire.Event first = nextEvent(it, s.offer().provider(), null);
      if (!(first instanceof TextWire.Opening o)) {
        if (first instanceof TextWire.Failure f) {
          throw new ProviderUnavailableException(
              s.offer().provider(),
              "ended the stream before it began: " + f.code() + ": " + f.message(),
              null);
        }
        throw new InvalidCheckpointException(
            s.offer().provider(),
            "its first event is not the stream's opening (call, prompt tokens, input hash, due)",
            null,
            null,
            new int[0]);
      }
      TextGeneration g = s.generation();
      long seed = g.seed().orElseThrow();
      if (o.seed() != seed) {
        throw new InvalidCheckpointException(
            s.offer().provider(),
            "its opening reports seed " + o.seed() + ", not the " + seed + " sent",
            null,
            null,
            new int[0]);
      }
      TextPrice quoted = s.terms().price();
      if (!o.prices().input().equals(quoted.input())
          || !o.prices().output().equals(quoted.output())) {
        throw new InvalidCheckpointException(
            s.offer().provider(),
            "its opening prices tokens at "
                + o.prices().input()
                + " / "
                + o.prices().output()
                + ", not the quoted "
                + quoted.input()
                + " / "
                + quoted.output(),
            null,
            null,
            new int[0]);
      }
      int maxTokens = maxTokens(g, o, s.terms());
      if (maxTokens <= 0) {
        throw new InvalidCheckpointException(
            s.offer().provider(),
            "neither its opening nor its /v1/models says which max_tokens it applied",
            null,
            null,
            new int[0]);
      }
      TextRequest request =
          new TextRequest(o.promptTokens(), g.temperature(), g.topP(), seed, maxTokens, g.stop());
      if (!o.inputHash().equals(request.hash())) {
        throw new InvalidCheckpointException(
            s.offer().provider(),
            "its opening's input hash "
                + o.inputHash()
                + " is not the hash of the request it reported, "
                + request.hash(),
            null,
            request,
            new int[0]);
      }
      TextStream stream = new TextStream(s, lines, it, o.call(), request);
      TokenAmount promptCost = s.terms().price().cost(o.promptTokens().length, 0);
      Optional<Voucher> owed =
          s.payer()
              .owePrompt(promptCost, o.call(), o.due(), s.terms().price().output(), s.timeout());
      if (owed.isEmpty()) {
        throw new LaneConflictException(
            s.offer().provider(),
            "asks the lane to reach "
                + o.due()
                + " for a prompt of "
                + o.promptTokens().length
                + " tokens costing "
                + promptCost
                + ", but this client owes "
                + s.payer().owed()
                + " on lane "
                + s.payer().lane().key()
                + " before it; not paying it");
      }
      stream.streamPaid = promptCost;
      stream.lastOwed = owed.get();
      ok = true;
      return stream;
    } catch (IllegalArgumentException e) {
      throw new InvalidCheckpointException(
          s.offer().provider(),
          "its opening is malformed: " + e.getMessage(),
          null,
          null,
          new int[0]);
    } finally {
      if (!ok) {
        lines.close();
        s.payer().closed();
      }
    }
  }

  /**
   * The max_tokens the provider applies: the request's, else what its opening says, else the node's
   * documented default {@code min(256, context − prompt tokens)}; 0 when unknown.
   */
  private static int maxTokens(TextGeneration g, TextWire.Opening o, TextCaller.Terms terms) {
    if (g.maxTokens().isPresent()) {
      return g.maxTokens().getAsInt();
    }
    if (o.maxTokens().isPresent()) {
      return o.maxTokens().getAsInt();
    }
    if (terms.contextLength().isPresent()) {
      return Math.min(
          DEFAULT_MAX_TOKENS, terms.contextLength().getAsInt() - o.promptTokens().length);
    }
    return 0;
  }

  /** The node's max_tokens when a request gives none (capped by the context left). */
  static final int DEFAULT_MAX_TOKENS = 256;

  /** The provider streaming. */
  public Address provider() {
    return s.offer().provider();
  }

  /** The request as the provider committed to it in its opening (prompt ids, parameters). */
  public TextRequest request() {
    return request;
  }

  /** The stream's call number on its lane. */
  public long call() {
    return call;
  }

  /** Prompt tokens, as the provider counted them. */
  public int promptTokens() {
    return request.promptTokens().length;
  }

  @Override
  public boolean hasNext() {
    if (next != null) {
      return true;
    }
    if (ended) {
      return false;
    }
    boolean ok = false;
    try {
      advance();
      ok = true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InferenceException("interrupted while streaming from " + provider(), e);
    } finally {
      if (!ok) {
        end();
      }
    }
    return next != null;
  }

  @Override
  public TextDelta next() {
    if (!hasNext()) {
      throw new NoSuchElementException("the stream has ended");
    }
    TextDelta d = next;
    next = null;
    return d;
  }

  /** Reads every remaining delta and returns the result. */
  public TextResult complete() {
    while (hasNext()) {
      next();
    }
    return result();
  }

  /**
   * The checked and paid result.
   *
   * @throws IllegalStateException before the stream has ended
   */
  public TextResult result() {
    if (result == null) {
      throw new IllegalStateException(
          "the stream has not ended yet (iterate until hasNext() is false)");
    }
    return result;
  }

  /** Hangs up unless the stream ended; pays nothing more. Idempotent. */
  @Override
  public void close() {
    end();
  }

  private void end() {
    if (!ended) {
      ended = true;
      closer.close();
      s.payer().closed();
    }
  }

  private void advance() throws InterruptedException {
    while (next == null) {
      s.payer().throwIfFailed();
      TextWire.Event e;
      try {
        e = nextEvent(lines, provider(), this);
      } catch (IllegalArgumentException bad) {
        throw evidence("it sent a malformed event: " + bad.getMessage(), null);
      }
      switch (e) {
        case TextWire.Done d -> {
          finishStream();
          return;
        }
        case TextWire.Failure f ->
            throw new ProviderUnavailableException(
                provider(),
                "ended the stream after "
                    + count
                    + " tokens: "
                    + f.code()
                    + ": "
                    + f.message()
                    + " (paid up to the last checkpoint)",
                null);
        case TextWire.Opening o -> throw evidence("it opened the stream twice", null);
        case TextWire.Chunk c -> chunk(c);
      }
    }
  }

  private void chunk(TextWire.Chunk c) {
    if (finish != null && (c.tokens().length > 0 || !c.text().isEmpty())) {
      throw evidence("it sent tokens after finish_reason " + finish, c.checkpoint().orElse(null));
    }
    int[] t = c.tokens();
    if (t.length > 0) {
      if (count == 0) {
        ttft = Duration.between(s.start(), s.clock().instant());
      }
      if (count + t.length > request.maxTokens()) {
        throw evidence("it sent more than max_tokens " + request.maxTokens() + " tokens", null);
      }
      if (count + t.length > tokens.length) {
        tokens = Arrays.copyOf(tokens, Math.max(tokens.length * 2, count + t.length));
      }
      System.arraycopy(t, 0, tokens, count, t.length);
      count += t.length;
    }
    if (c.finishReason() != null) {
      finish = c.finishReason();
    }
    text.append(c.text());
    if (c.checkpoint().isPresent()) {
      checkpoint(c.checkpoint().get());
    }
    if (t.length > 0 || !c.text().isEmpty()) {
      next = new TextDelta(c.text(), t);
    }
  }

  private TextOutput.End end(String finishReason) {
    if (finishReason == null) {
      return TextOutput.End.RUNNING;
    }
    return switch (finishReason) {
      case "stop" -> TextOutput.End.STOP;
      case "length" -> TextOutput.End.LENGTH;
      default -> TextOutput.End.CANCELLED;
    };
  }

  /** Checks a checkpoint against what was received and pays up to it. */
  private void checkpoint(SignedReceipt signed) {
    Receipt r = signed.receipt();
    TextOutput received = new TextOutput(end(finish), Arrays.copyOf(tokens, count));
    if (!r.provider().equals(provider())) {
      throw evidence("its checkpoint names provider " + r.provider(), signed);
    }
    if (!signed.verify(s.domain())) {
      throw evidence(
          "its checkpoint is not signed by " + provider() + " for this deployment", signed);
    }
    if (!r.consumer().equals(s.consumer())
        || !r.modelId().equals(s.model())
        || r.cumulativeCalls() != call) {
      throw evidence(
          "its checkpoint is for ("
              + r.consumer()
              + ", model "
              + r.modelId()
              + ", call "
              + r.cumulativeCalls()
              + "), not this stream ("
              + s.consumer()
              + ", model "
              + s.model()
              + ", call "
              + call
              + ")",
          signed);
    }
    if (!r.inputHash().equals(request.hash())) {
      throw evidence(
          "its checkpoint's inputHash "
              + r.inputHash()
              + " is not the request's, "
              + request.hash(),
          signed);
    }
    if (!r.outputHash().equals(received.hash())) {
      throw evidence(
          "its checkpoint's outputHash "
              + r.outputHash()
              + " is not the hash of the "
              + count
              + " tokens it sent ("
              + received.end()
              + "), "
              + received.hash(),
          signed);
    }
    TokenAmount cost = s.terms().price().cost(request.promptTokens().length, count);
    if (!r.cumulativeAmount().equals(cost)) {
      throw evidence(
          "its checkpoint claims "
              + r.cumulativeAmount()
              + " for "
              + request.promptTokens().length
              + " prompt and "
              + count
              + " completion tokens, which cost "
              + cost
              + " at its quoted prices",
          signed);
    }
    checkpoint = signed;
    checkpointed = received;
    TokenAmount more = cost.minus(streamPaid);
    if (!more.isZero()) {
      lastOwed = s.payer().owe(more, call);
      streamPaid = cost;
    }
  }

  private void finishStream() throws InterruptedException {
    if (checkpointed == null
        || checkpointed.tokenCount() != count
        || checkpointed.end() == TextOutput.End.RUNNING) {
      throw evidence(
          "its stream ended without a final checkpoint over the "
              + count
              + " tokens it sent (finish_reason "
              + finish
              + ")",
          checkpoint);
    }
    s.payer().awaitPaid(lastOwed, s.timeout());
    Duration latency = Duration.between(s.start(), s.clock().instant());
    result =
        new TextResult(
            text.toString(),
            checkpointed,
            request,
            streamPaid,
            call,
            checkpoint,
            provider(),
            ttft == null ? latency : ttft,
            latency,
            VerificationReport.notChecked(Verification.none(), provider()));
    end();
  }

  private InvalidCheckpointException evidence(String reason, SignedReceipt signed) {
    return new InvalidCheckpointException(
        provider(), reason + "; stopped paying", signed, request, Arrays.copyOf(tokens, count));
  }

  /** The next {@code data:} event, skipping comments and blank lines. */
  private static TextWire.Event nextEvent(Iterator<String> lines, Address provider, TextStream at) {
    try {
      while (lines.hasNext()) {
        String line = lines.next();
        if (line.startsWith("data:")) {
          return TextWire.event(line.substring(5).strip());
        }
      }
    } catch (UncheckedIOException e) {
      throw new ProviderUnavailableException(
          provider,
          "the stream broke"
              + (at == null
                  ? ""
                  : " after " + at.count + " tokens (paid up to the last checkpoint)")
              + ": "
              + e.getMessage(),
          e);
    }
    throw new ProviderUnavailableException(
        provider,
        "the stream ended without [DONE]"
            + (at == null ? "" : " after " + at.count + " tokens (paid up to the last checkpoint)"),
        null);
  }
}
