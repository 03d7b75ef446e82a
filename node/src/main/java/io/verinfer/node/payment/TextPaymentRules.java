package io.verinfer.node.payment;

import io.verinfer.node.ledger.Lane;
import io.verinfer.node.ledger.LaneRecord;
import io.verinfer.node.ledger.VoucherLedger;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.Receipt;
import io.verinfer.protocol.SignedReceipt;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.Signer;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.VerinferException;
import io.verinfer.protocol.Voucher;
import io.verinfer.protocol.text.TextOutput;
import io.verinfer.protocol.text.TextPrice;
import io.verinfer.protocol.text.TextRequest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The payment rules of paid text streams (docs/architecture.md, "Text generation"): payment fields
 * in, a decision out, with no HTTP in sight, so the SSE endpoints and a later gRPC service share
 * them.
 *
 * <p>Per lane the rules keep {@code paid} (the newest voucher's amount, which the durable {@link
 * VoucherLedger} holds) and {@code owed} (what the node charges on the lane: it starts at {@code
 * paid} and rises by each stream's prompt cost when the stream opens, given back if the prompt
 * never runs, and by the output price per generated token). A stream opens with a voucher above the
 * lane's newest calls (its call number); its prompt runs once {@code paid >= due}, the {@code owed}
 * right after its prompt was added; a token is generated only while {@code owed + outputPrice <=
 * paid + W × outputPrice × running}. Vouchers follow the monotone rule ({@link LaneRecord#pay}).
 *
 * <p>The non-blocking methods ({@link Stream#promptPaid}, {@link Stream#roomForToken}, {@link
 * Stream#charge}) are the rules; {@link Stream#awaitPrompt} and {@link Stream#awaitRoom} wait on
 * them, bounded by the {@link Settings}.
 */
public final class TextPaymentRules {
  /** A served text model's on-chain id and token prices. */
  public record Offer(ModelId modelId, TextPrice price) {
    public Offer {
      Objects.requireNonNull(modelId, "modelId");
      Objects.requireNonNull(price, "price");
    }
  }

  /**
   * The rules' bounds.
   *
   * @param window {@code W}: output tokens per running stream the node generates beyond what the
   *     lane paid
   * @param checkpointTokens {@code K}: a checkpoint at least every K tokens
   * @param checkpointInterval and at least this often (on a chunk)
   * @param promptWait how long a stream waits for its prompt's payment
   * @param creditWait how long a stream paused at the window waits for a voucher
   * @param maxOpenPerLane open streams per lane
   * @param maxUnpaidPerLane streams per lane waiting for their prompt's payment
   * @param keptCheckpoints final checkpoints of ended streams kept per lane
   */
  public record Settings(
      int window,
      int checkpointTokens,
      Duration checkpointInterval,
      Duration promptWait,
      Duration creditWait,
      int maxOpenPerLane,
      int maxUnpaidPerLane,
      int keptCheckpoints) {
    public Settings {
      positive("window", window);
      positive("checkpointTokens", checkpointTokens);
      Objects.requireNonNull(checkpointInterval, "checkpointInterval");
      Objects.requireNonNull(promptWait, "promptWait");
      Objects.requireNonNull(creditWait, "creditWait");
      positive("maxOpenPerLane", maxOpenPerLane);
      positive("maxUnpaidPerLane", maxUnpaidPerLane);
      positive("keptCheckpoints", keptCheckpoints);
      if (checkpointTokens > window) {
        // a consumer pays only what checkpoints show: with K above W a stream would pause at the
        // window before its next checkpoint, and wait for a voucher nobody can sign
        throw new IllegalArgumentException(
            "checkpointTokens " + checkpointTokens + " must not exceed the window " + window);
      }
      if (maxUnpaidPerLane > maxOpenPerLane) {
        throw new IllegalArgumentException(
            "maxUnpaidPerLane " + maxUnpaidPerLane + " must not exceed maxOpenPerLane");
      }
    }

    /** W = 64, K = 16 or 250 ms, 30 s waits, 16 open streams per lane, 4 of them unpaid. */
    public static Settings defaults() {
      return new Settings(
          64,
          16,
          Duration.ofMillis(250),
          Duration.ofSeconds(30),
          Duration.ofSeconds(30),
          16,
          4,
          16);
    }

    public Settings withWaits(Duration prompt, Duration credit) {
      return new Settings(
          window,
          checkpointTokens,
          checkpointInterval,
          prompt,
          credit,
          maxOpenPerLane,
          maxUnpaidPerLane,
          keptCheckpoints);
    }

    public Settings withWindow(int window, int checkpointTokens) {
      return new Settings(
          window,
          checkpointTokens,
          checkpointInterval,
          promptWait,
          creditWait,
          maxOpenPerLane,
          maxUnpaidPerLane,
          keptCheckpoints);
    }

    private static void positive(String field, int value) {
      if (value < 1) {
        throw new IllegalArgumentException(field + " must be positive, was " + value);
      }
    }
  }

  /** What a lane shows: the node's claim and the final checkpoints of its last ended streams. */
  public record LaneView(
      TokenAmount paid, TokenAmount owed, int openStreams, List<SignedReceipt> checkpoints) {}

  private final Signer provider;
  private final Eip712Domain domain;
  private final VoucherLedger ledger;
  private final DepositView deposits;
  private final Map<String, Offer> offers;
  private final Settings settings;
  private final Map<Lane, TextLane> lanes = new ConcurrentHashMap<>();

  public TextPaymentRules(
      Signer provider,
      Eip712Domain domain,
      VoucherLedger ledger,
      DepositView deposits,
      Map<String, Offer> offers,
      Settings settings) {
    this.provider = provider;
    this.domain = domain;
    this.ledger = ledger;
    this.deposits = deposits;
    this.offers = offers;
    this.settings = settings;
  }

  public Settings settings() {
    return settings;
  }

  public Address provider() {
    return provider.address();
  }

  /** The offer of the served text model {@code name}, if it has one. */
  public Optional<Offer> offer(String name) {
    return Optional.ofNullable(offers.get(name));
  }

  /**
   * Opens a stream of {@code request} on the served text model {@code model} for the consumer whose
   * voucher {@code voucherHeader} is: the voucher must rise above the lane's newest calls (it
   * becomes the stream's call number) and not fall below its amount; it is stored durably. The
   * stream's prompt is charged to the lane now ({@link Stream#due()}).
   *
   * @throws VerinferException naming the voucher header (or {@code stream} for too many streams)
   *     when the voucher or the lane refuses; nothing is stored or charged then
   */
  public Stream open(String model, String voucherHeader, TextRequest request) {
    Offer offer = offerOf(model);
    SignedVoucher signed = verify(voucherHeader, offer, model);
    Voucher v = signed.voucher();
    Lane lane = Lane.of(v);
    LaneRecord record = ledger.lane(lane);
    if (v.cumulativeCalls() <= record.calls()) {
      throw refuse(
          ErrorCode.STALE_VOUCHER,
          "a stream opens with a voucher whose cumulativeCalls is above the lane's newest ("
              + record.calls()
              + "): sign call #"
              + (record.calls() + 1)
              + " at an amount of at least "
              + record.amount());
    }
    if (v.cumulativeAmount().compareTo(record.amount()) < 0) {
      throw refuse(
          ErrorCode.STALE_VOUCHER,
          "the voucher's amount "
              + v.cumulativeAmount()
              + " is below the lane's newest "
              + record.amount());
    }
    TokenAmount promptCost = offer.price().cost(request.promptTokens().length, 0);
    TextLane state = lane(lane);
    Stream stream = state.reserveSlot(v.cumulativeCalls(), offer, request, promptCost);
    try {
      TokenAmount deposit = depositOf(v.consumer());
      // what this node would hold once the prompt is paid, across the consumer's lanes
      TokenAmount holding =
          ledger
              .unredeemedBy(v.consumer())
              .minus(record.unredeemed())
              .plus(excess(state.owedWith(promptCost), record.redeemedAmount()));
      if (holding.compareTo(deposit) > 0) {
        throw refuse(
            ErrorCode.INSUFFICIENT_DEPOSIT,
            "consumer "
                + v.consumer()
                + " has "
                + deposit
                + " base units spendable, but this node would hold "
                + holding
                + " unredeemed once this prompt is paid; deposit more");
      }
      LaneRecord stored = ledger.pay(signed); // durable before the stream exists
      state.opened(stream, stored.amount());
      return stream;
    } catch (RuntimeException e) {
      state.release(stream);
      throw e;
    }
  }

  /**
   * Takes a voucher paying the text lane {@code (consumer, this node, modelId)}: checked like an
   * opening voucher (header, lane, signature, deposit), then by the monotone rule, stored durably,
   * and credited to the lane's streams.
   *
   * @return the lane's state after it
   */
  public LaneRecord pay(Address consumer, ModelId modelId, String voucherHeader) {
    Offer offer =
        offerById(modelId)
            .orElseThrow(
                () ->
                    new VerinferException(
                        ErrorCode.UNKNOWN_MODEL,
                        "modelId",
                        "model id " + modelId + " is not a text model offered here"));
    SignedVoucher signed = verify(voucherHeader, offer, "model id " + modelId);
    Voucher v = signed.voucher();
    if (!v.consumer().equals(consumer)) {
      throw refuse(
          ErrorCode.WRONG_LANE,
          "the voucher is signed for consumer "
              + v.consumer()
              + ", but the path names "
              + consumer);
    }
    Lane lane = Lane.of(v);
    LaneRecord record = ledger.lane(lane);
    record.pay(signed); // refuse a stale voucher before asking the chain
    TokenAmount deposit = depositOf(consumer);
    TokenAmount holding =
        ledger
            .unredeemedBy(consumer)
            .minus(record.unredeemed())
            .plus(excess(v.cumulativeAmount(), record.redeemedAmount()));
    if (holding.compareTo(deposit) > 0) {
      throw refuse(
          ErrorCode.INSUFFICIENT_DEPOSIT,
          "consumer "
              + consumer
              + " has "
              + deposit
              + " base units spendable, but this voucher would make this node hold "
              + holding
              + " unredeemed; deposit more");
    }
    // the lane's streams go on as soon as the voucher checks out and is the lane's newest in
    // memory; the endpoint acknowledges it only once it is on disk. A crash between the two loses
    // the node at most this voucher's rise over its last durable one, never a voucher it
    // acknowledged (and the consumer's next opening voucher carries the amounts again).
    VoucherLedger.Queued queued = ledger.payQueued(signed);
    lane(lane).credit(queued.record().amount());
    return queued.awaitDurable();
  }

  /** What the node claims on a lane, when a text stream ran on it since the node started. */
  public Optional<LaneView> view(Lane lane) {
    TextLane state = lanes.get(lane);
    return state == null ? Optional.empty() : Optional.of(state.view());
  }

  /** The lane's current {@code owed} (what a voucher must reach to pay everything charged). */
  public TokenAmount owed(Lane lane) {
    TextLane state = lanes.get(lane);
    return state == null ? ledger.lane(lane).amount() : state.view().owed();
  }

  private TextLane lane(Lane lane) {
    return lanes.computeIfAbsent(lane, l -> new TextLane(l, ledger.lane(l).amount()));
  }

  private Offer offerOf(String model) {
    return offer(model)
        .orElseThrow(
            () ->
                new VerinferException(
                    ErrorCode.UNKNOWN_MODEL, "model", "model '" + model + "' has no price here"));
  }

  private Optional<Offer> offerById(ModelId id) {
    return offers.values().stream().filter(o -> o.modelId().equals(id)).findFirst();
  }

  private SignedVoucher verify(String header, Offer offer, String model) {
    if (header == null || header.isBlank()) {
      throw refuse(
          ErrorCode.PAYMENT_REQUIRED,
          "a paid text stream opens with a voucher in the "
              + PaymentHeaders.VOUCHER
              + " header (prices per token: input "
              + offer.price().input()
              + ", output "
              + offer.price().output()
              + " base units)");
    }
    return VoucherChecks.signedFor(header, provider.address(), offer.modelId(), model, domain);
  }

  private TokenAmount depositOf(Address consumer) {
    return VoucherChecks.depositOf(deposits, consumer);
  }

  /** {@code a - b}, or 0 when {@code b >= a}. */
  private static TokenAmount excess(TokenAmount a, TokenAmount b) {
    return a.compareTo(b) > 0 ? a.minus(b) : TokenAmount.ZERO;
  }

  private static VerinferException refuse(ErrorCode code, String message) {
    return VoucherChecks.refuse(code, message);
  }

  /** One lane's streams and amounts; every rule runs under its lock. */
  private final class TextLane {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<Stream> open = new ArrayList<>();
    private final ArrayDeque<SignedReceipt> ended = new ArrayDeque<>();
    private final Lane key;
    private TokenAmount paid;
    private TokenAmount owed;
    private int running;

    TextLane(Lane key, TokenAmount paid) {
      this.key = key;
      this.paid = paid;
      this.owed = paid;
    }

    Stream reserveSlot(long call, Offer offer, TextRequest request, TokenAmount promptCost) {
      lock.lock();
      try {
        if (open.size() >= settings.maxOpenPerLane()) {
          throw new VerinferException(
              ErrorCode.TOO_MANY_STREAMS,
              "stream",
              "this lane has "
                  + open.size()
                  + " open streams, the most this node keeps per lane ("
                  + settings.maxOpenPerLane()
                  + "); wait for one to end");
        }
        long unpaid = open.stream().filter(s -> !s.started).count();
        if (unpaid >= settings.maxUnpaidPerLane()) {
          throw new VerinferException(
              ErrorCode.TOO_MANY_STREAMS,
              "stream",
              "this lane has "
                  + unpaid
                  + " streams waiting for their prompt's payment, the most this node keeps ("
                  + settings.maxUnpaidPerLane()
                  + "); pay them or wait");
        }
        Stream s = new Stream(this, call, offer, request, promptCost);
        open.add(s);
        return s;
      } finally {
        lock.unlock();
      }
    }

    TokenAmount owedWith(TokenAmount more) {
      lock.lock();
      try {
        return owed.plus(more);
      } finally {
        lock.unlock();
      }
    }

    void opened(Stream s, TokenAmount newest) {
      lock.lock();
      try {
        raisePaid(newest);
        owed = owed.plus(s.promptCost);
        s.due = owed;
        s.reserved = true;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    void release(Stream s) {
      lock.lock();
      try {
        open.remove(s);
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    void credit(TokenAmount newest) {
      lock.lock();
      try {
        raisePaid(newest);
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    private void raisePaid(TokenAmount newest) {
      if (newest.compareTo(paid) > 0) {
        paid = newest;
      }
      if (paid.compareTo(owed) > 0) {
        owed = paid; // paid ahead: the credit covers later charges
      }
    }

    LaneView view() {
      lock.lock();
      try {
        return new LaneView(paid, owed, open.size(), List.copyOf(ended));
      } finally {
        lock.unlock();
      }
    }
  }

  /** One open stream: its call number, prompt charge, tokens charged and checkpoints. */
  public final class Stream implements AutoCloseable {
    private final TextLane lane;
    private final long call;
    private final Offer offer;
    private final TextRequest request;
    private final Bytes32 inputHash;
    private final TokenAmount promptCost;
    private TokenAmount due; // guarded by lane.lock
    private boolean reserved; // the prompt is in owed
    private boolean started;
    private boolean closed;
    private long completionTokens;

    private Stream(
        TextLane lane, long call, Offer offer, TextRequest request, TokenAmount promptCost) {
      this.lane = lane;
      this.call = call;
      this.offer = offer;
      this.request = request;
      this.inputHash = request.hash();
      this.promptCost = promptCost;
    }

    /** The stream's call number on its lane ({@code cumulativeCalls} of its receipts). */
    public long call() {
      return call;
    }

    public TextPrice price() {
      return offer.price();
    }

    public Bytes32 inputHash() {
      return inputHash;
    }

    /** The lane amount a voucher must reach for this stream's prompt to run. */
    public TokenAmount due() {
      lane.lock.lock();
      try {
        return due;
      } finally {
        lane.lock.unlock();
      }
    }

    /** The lane's {@code owed} now. */
    public TokenAmount owed() {
      lane.lock.lock();
      try {
        return lane.owed;
      } finally {
        lane.lock.unlock();
      }
    }

    /** Whether the prompt is paid; the first time it is, the stream counts as running. */
    public boolean promptPaid() {
      lane.lock.lock();
      try {
        if (!started && !closed && lane.paid.compareTo(due) >= 0) {
          started = true;
          lane.running++;
        }
        return started;
      } finally {
        lane.lock.unlock();
      }
    }

    /** Whether the window admits one more output token of this stream now. */
    public boolean roomForToken() {
      lane.lock.lock();
      try {
        return started && !closed && roomLocked();
      } finally {
        lane.lock.unlock();
      }
    }

    private boolean roomLocked() {
      TokenAmount out = offer.price().output();
      TokenAmount limit = lane.paid.plus(out.times((long) settings.window() * lane.running));
      return lane.owed.plus(out).compareTo(limit) <= 0;
    }

    /** Charges {@code tokens} generated output tokens to the lane. */
    public void charge(int tokens) {
      lane.lock.lock();
      try {
        if (!started) {
          throw new IllegalStateException("stream #" + call + " has not started");
        }
        lane.owed = lane.owed.plus(offer.price().output().times(tokens));
        completionTokens += tokens;
      } finally {
        lane.lock.unlock();
      }
    }

    /** Waits at most {@code limit} for the prompt's payment (the caller bounds the whole wait). */
    public boolean awaitPrompt(Duration limit) throws InterruptedException {
      return await(this::promptPaid, limit);
    }

    /** Waits at most {@code limit} until the window admits one more token. */
    public boolean awaitRoom(Duration limit) throws InterruptedException {
      return await(this::roomForToken, limit);
    }

    private boolean await(java.util.function.BooleanSupplier ready, Duration limit)
        throws InterruptedException {
      long left = limit.toNanos();
      lane.lock.lock();
      try {
        while (!ready.getAsBoolean()) {
          if (closed || left <= 0) {
            return false;
          }
          left = lane.changed.awaitNanos(Math.min(left, TimeUnit.SECONDS.toNanos(1)));
        }
        return true;
      } finally {
        lane.lock.unlock();
      }
    }

    /** The stream's cost so far: prompt plus the completion tokens charged. */
    public TokenAmount cost() {
      lane.lock.lock();
      try {
        return offer.price().cost(request.promptTokens().length, completionTokens);
      } finally {
        lane.lock.unlock();
      }
    }

    /**
     * A signed checkpoint over {@code output} (the completion so far, or the final output): the
     * stream's cost at its token count, the stream's call number.
     */
    public SignedReceipt checkpoint(TextOutput output) {
      TokenAmount cost = offer.price().cost(request.promptTokens().length, output.tokenCount());
      Receipt r =
          new Receipt(
              lane.key.consumer(),
              provider.address(),
              offer.modelId(),
              inputHash,
              output.hash(),
              cost,
              call);
      return SignedReceipt.sign(r, domain, provider);
    }

    /** Ends the stream; {@code last} (its final checkpoint, if any) is kept for the lane view. */
    public void end(SignedReceipt last) {
      lane.lock.lock();
      try {
        if (closed) {
          return;
        }
        closed = true;
        int at = lane.open.indexOf(this);
        lane.open.remove(this);
        if (started) {
          lane.running--;
        } else if (reserved) {
          // the prompt never ran: nothing is owed for it, and the streams opened after it, whose
          // due counted it, need that much less
          lane.owed = lane.owed.minus(promptCost);
          for (Stream later : lane.open.subList(Math.max(at, 0), lane.open.size())) {
            if (later.reserved && !later.started) {
              later.due = later.due.minus(promptCost);
            }
          }
          if (lane.owed.compareTo(lane.paid) < 0) {
            lane.owed = lane.paid;
          }
        }
        if (last != null) {
          lane.ended.addLast(last);
          while (lane.ended.size() > settings.keptCheckpoints()) {
            lane.ended.removeFirst();
          }
        }
        lane.changed.signalAll();
      } finally {
        lane.lock.unlock();
      }
    }

    @Override
    public void close() {
      end(null);
    }
  }
}
