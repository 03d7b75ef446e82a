package io.verinfer.client;

import io.verinfer.client.ProviderHttp.HeldVoucher;
import io.verinfer.client.ProviderHttp.Reply;
import io.verinfer.client.V2Json.NodeError;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.Receipt;
import io.verinfer.protocol.SignedReceipt;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.Signer;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One paid call at one provider: settle the lane's state with the provider if it is unknown, sign
 * the next voucher and save it, send the request, check the answer and its receipt, and record the
 * lane as confirmed. Calls on one lane are serialised, since a lane is a sequence of vouchers.
 */
final class LaneCaller {
  private static final Logger LOG = LoggerFactory.getLogger(LaneCaller.class);

  /**
   * What one call sends: to {@code path}, the {@code body} whose receipt must carry {@code
   * inputHash}; {@code outputs} reads the answer's tensors (whose hash the receipt must carry).
   */
  record Request(
      ModelId model,
      String path,
      byte[] body,
      Bytes32 inputHash,
      java.util.function.Function<String, List<Tensor>> outputs) {

    /** An Open Inference Protocol call. */
    static Request tensors(ModelId model, List<Tensor> inputs) {
      return new Request(
          model,
          "/v2/models/" + model.value() + "/infer",
          V2Json.request(inputs),
          CanonicalTensors.hash(inputs),
          V2Json::outputs);
    }
  }

  private final Signer signer;
  private final Eip712Domain domain;
  private final LaneStore store;
  private final ProviderHttp http;
  private final Clock clock;
  private final Map<LaneKey, ReentrantLock> locks = new ConcurrentHashMap<>();

  LaneCaller(Signer signer, Eip712Domain domain, LaneStore store, ProviderHttp http, Clock clock) {
    this.signer = signer;
    this.domain = domain;
    this.store = store;
    this.http = http;
    this.clock = clock;
  }

  /**
   * Calls {@code offer}; a stale-voucher refusal (the lane moved without this client seeing it)
   * resynchronises the lane and tries once more.
   */
  InferenceResult call(ProviderOffer offer, Request request) {
    LaneKey lane = new LaneKey(signer.address(), offer.provider(), request.model());
    ReentrantLock lock = locks.computeIfAbsent(lane, l -> new ReentrantLock());
    lock.lock();
    try {
      try {
        return attempt(offer, lane, request);
      } catch (ProviderRefusedException e) {
        if (!ErrorCode.STALE_VOUCHER.name().equals(e.code())) {
          throw e;
        }
        LOG.info(
            "{} says the voucher on lane {} is stale; resynchronising", offer.provider(), lane);
        return attempt(offer, lane, request);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InferenceException("interrupted while calling provider " + offer.provider(), e);
    } finally {
      lock.unlock();
    }
  }

  private InferenceResult attempt(ProviderOffer offer, LaneKey lane, Request request)
      throws InterruptedException {
    Optional<LaneEntry> entry = store.find(lane);
    if (entry.isPresent() && !entry.get().confirmed()) {
      entry = Optional.of(resync(offer, entry.get()));
    }
    Voucher next = LaneProgress.next(lane, entry, offer.price());
    SignedVoucher signed =
        entry
            .map(LaneEntry::voucher)
            .filter(v -> v.voucher().equals(next)) // re-sending what was signed, not a new one
            .orElseGet(() -> SignedVoucher.sign(next, domain, signer));
    LaneEntry sent =
        new LaneEntry(
            signed,
            entry.map(LaneEntry::heldAmount).orElse(TokenAmount.ZERO),
            entry.map(LaneEntry::heldCalls).orElse(0L));
    store.save(sent); // durable before it leaves: a restart never signs below or beside it

    Instant start = clock.instant();
    Reply reply;
    try {
      reply = http.post(offer, request.path(), PaymentHeaders.encode(signed), request.body());
    } catch (IOException e) {
      afterLostReply(offer, sent);
      throw new ProviderUnavailableException(
          offer.provider(), "no answer from " + offer.endpoint() + " (" + e + ")", e);
    }
    Duration latency = Duration.between(start, clock.instant());
    if (reply.status() == 200) {
      return accept(offer, request, signed, reply, latency);
    }
    Optional<NodeError> error = V2Json.error(reply.body());
    String code = error.map(NodeError::code).orElse("HTTP_" + reply.status());
    String message = error.map(NodeError::message).orElse(abbreviate(reply.body()));
    if (reply.status() >= 500) {
      afterLostReply(offer, sent);
      throw new ProviderUnavailableException(
          offer.provider(), "HTTP " + reply.status() + " " + code + ": " + message, null);
    }
    if (reply.status() == 404 && ErrorCode.UNKNOWN_MODEL.name().equals(code)) {
      throw new ProviderUnavailableException(
          offer.provider(), "does not serve model " + request.model() + ": " + message, null);
    }
    // a 4xx charges nothing: the lane stays unconfirmed and is resynchronised before its next use
    throw new ProviderRefusedException(
        offer.provider(), reply.status(), code, error.map(NodeError::field).orElse(null), message);
  }

  /** Asks the provider what it holds on the lane and records it; refuses a contradicting answer. */
  private LaneEntry resync(ProviderOffer offer, LaneEntry entry) throws InterruptedException {
    HeldVoucher held;
    try {
      held = http.lane(offer, entry.lane().consumer(), entry.lane().modelId());
    } catch (IOException e) {
      throw new ProviderUnavailableException(
          offer.provider(),
          "cannot learn whether it kept voucher #"
              + entry.voucher().voucher().cumulativeCalls()
              + " on lane "
              + entry.lane()
              + " ("
              + e.getMessage()
              + "); not signing on that lane until it answers",
          e);
    }
    LaneEntry reconciled =
        LaneProgress.reconcile(entry, held.amount(), held.calls())
            .orElseThrow(
                () ->
                    new LaneConflictException(
                        offer.provider(),
                        "reports holding ("
                            + held.amount()
                            + ", "
                            + held.calls()
                            + " calls) on lane "
                            + entry.lane()
                            + ", but this client signed up to ("
                            + entry.voucher().voucher().cumulativeAmount()
                            + ", "
                            + entry.voucher().voucher().cumulativeCalls()
                            + " calls) and it was known to hold ("
                            + entry.heldAmount()
                            + ", "
                            + entry.heldCalls()
                            + " calls)"));
    if (!reconciled.equals(entry)) {
      store.save(reconciled);
    }
    LOG.info(
        "lane {}: provider {} voucher #{}",
        entry.lane(),
        reconciled.confirmed() ? "kept" : "does not hold",
        entry.voucher().voucher().cumulativeCalls());
    return reconciled;
  }

  // Best effort: learn now whether the provider kept the voucher; if it cannot say, the lane stays
  // unconfirmed and is resynchronised before it is used again.
  private void afterLostReply(ProviderOffer offer, LaneEntry sent) throws InterruptedException {
    try {
      LaneEntry after = resync(offer, sent);
      if (after.confirmed()) {
        LOG.warn(
            "provider {} kept voucher #{} but its reply was lost: that call is paid without a"
                + " result",
            offer.provider(),
            sent.voucher().voucher().cumulativeCalls());
      }
    } catch (ProviderUnavailableException e) {
      LOG.debug("lane {} stays unconfirmed: {}", sent.lane(), e.getMessage());
    }
  }

  private InferenceResult accept(
      ProviderOffer offer, Request request, SignedVoucher signed, Reply reply, Duration latency) {
    String body = reply.body();
    if (reply.receiptHeader().isEmpty()) {
      throw new InvalidReceiptException(
          offer.provider(), "it sent no " + PaymentHeaders.RECEIPT + " header", null, body);
    }
    SignedReceipt receipt;
    try {
      receipt = PaymentHeaders.decodeReceipt(reply.receiptHeader().get());
    } catch (IllegalArgumentException e) {
      throw new InvalidReceiptException(
          offer.provider(), "its receipt is malformed: " + e.getMessage(), null, body);
    }
    List<Tensor> outputs;
    try {
      outputs = request.outputs().apply(body);
    } catch (IllegalArgumentException e) {
      throw new InvalidReceiptException(
          offer.provider(), "its outputs are unreadable: " + e.getMessage(), receipt, body);
    }
    String fault = fault(offer, request, signed.voucher(), receipt, outputs);
    if (fault != null) {
      throw new InvalidReceiptException(offer.provider(), fault, receipt, body);
    }
    store.save(LaneEntry.confirmed(signed));
    long tokens = V2Json.parse(body).path("usage").path("prompt_tokens").asLong(0);
    return new InferenceResult(outputs, receipt, offer.provider(), latency, tokens);
  }

  /** What is wrong with the receipt, or null when it checks out. */
  private String fault(
      ProviderOffer offer,
      Request request,
      Voucher sent,
      SignedReceipt signedReceipt,
      List<Tensor> outputs) {
    Receipt r = signedReceipt.receipt();
    if (!r.provider().equals(offer.provider())) {
      return "its receipt names provider " + r.provider();
    }
    if (!signedReceipt.verify(domain)) {
      return "its receipt is not signed by " + offer.provider() + " for this deployment";
    }
    if (!r.consumer().equals(sent.consumer())
        || !r.modelId().equals(sent.modelId())
        || !r.cumulativeAmount().equals(sent.cumulativeAmount())
        || r.cumulativeCalls() != sent.cumulativeCalls()) {
      return "its receipt ("
          + r.consumer()
          + ", model "
          + r.modelId()
          + ", "
          + r.cumulativeAmount()
          + ", "
          + r.cumulativeCalls()
          + " calls) does not match the voucher sent ("
          + sent.consumer()
          + ", model "
          + sent.modelId()
          + ", "
          + sent.cumulativeAmount()
          + ", "
          + sent.cumulativeCalls()
          + " calls)";
    }
    if (!r.inputHash().equals(request.inputHash())) {
      return "its receipt's inputHash "
          + r.inputHash()
          + " is not the hash of the inputs sent, "
          + request.inputHash();
    }
    Bytes32 outputHash = CanonicalTensors.hash(outputs);
    if (!r.outputHash().equals(outputHash)) {
      return "its receipt's outputHash "
          + r.outputHash()
          + " is not the hash of the outputs it returned, "
          + outputHash;
    }
    return null;
  }

  private static String abbreviate(String body) {
    String oneLine = body == null ? "" : body.replaceAll("\\s+", " ").strip();
    return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "…";
  }
}
