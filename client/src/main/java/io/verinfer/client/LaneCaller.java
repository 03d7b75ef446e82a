package io.verinfer.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.verinfer.client.ProviderHttp.HeldLane;
import io.verinfer.client.ProviderHttp.Reply;
import io.verinfer.client.V2Json.NodeError;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.LaneWindow;
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
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One paid call at one provider: take a voucher for the call (one given back by a call that got no
 * answer, else a new one, one call and one price beyond the last handed out), send the request,
 * check the answer and its receipt. Calls on one lane run concurrently, each with its own voucher
 * number; the provider admits them in any order ({@link LaneWindow}). A voucher whose call got no
 * answer is kept and sent again for a later call: if the provider did answer it after all, it is
 * refused as stale and only then counted as paid without a result.
 */
final class LaneCaller {
  private static final Logger LOG = LoggerFactory.getLogger(LaneCaller.class);

  /** Refusals after which the voucher itself is fine and may serve another call. */
  private static final Set<String> VOUCHER_AT_FAULT =
      Set.of(
          ErrorCode.MALFORMED_VOUCHER.name(),
          ErrorCode.WRONG_LANE.name(),
          ErrorCode.INVALID_VOUCHER_SIGNATURE.name(),
          ErrorCode.STALE_VOUCHER.name(),
          ErrorCode.VOUCHER_BELOW_PRICE.name(),
          ErrorCode.VOUCHER_SKIPS_CALLS.name(),
          ErrorCode.MODEL_TERMS_CHANGED.name());

  /**
   * What one call sends: to {@code path}, the {@code body} whose receipt must carry {@code
   * inputHash}; {@code outputs} reads the answer's tensors (whose hash the receipt must carry).
   */
  record Request(
      ModelId model,
      String path,
      byte[] body,
      byte[] input,
      Bytes32 inputHash,
      java.util.function.Function<JsonNode, List<Tensor>> outputs) {

    /**
     * {@code input} is what the receipt's input hash covers (keccak256 of it): what a dispute
     * carries on-chain.
     */
    Request(
        ModelId model,
        String path,
        byte[] body,
        byte[] input,
        java.util.function.Function<JsonNode, List<Tensor>> outputs) {
      this(model, path, body, input, Bytes32.keccak256(input), outputs);
    }

    /** An Open Inference Protocol call. */
    static Request tensors(ModelId model, List<Tensor> inputs) {
      return new Request(
          model,
          "/v2/models/" + model.value() + "/infer",
          V2Json.request(inputs),
          CanonicalTensors.encode(inputs),
          V2Json::outputs);
    }
  }

  private final Signer signer;
  private final Eip712Domain domain;
  private final ClientLanes lanes;
  private final ProviderHttp http;
  private final Clock clock;

  LaneCaller(
      Signer signer, Eip712Domain domain, ClientLanes lanes, ProviderHttp http, Clock clock) {
    this.signer = signer;
    this.domain = domain;
    this.lanes = lanes;
    this.http = http;
    this.clock = clock;
  }

  /**
   * Calls {@code offer}. A stale refusal (the provider's lane is ahead of what this client knew,
   * e.g. after a restart) or a refusal of a new voucher as below the price or too far ahead makes
   * the client learn the provider's lane and try again, at most twice.
   */
  InferenceResult call(ProviderOffer offer, Request request) {
    ClientLane lane = lanes.get(new LaneKey(signer.address(), offer.provider(), request.model()));
    try {
      for (int attempt = 0; ; attempt++) {
        try {
          return attempt(offer, lane, request);
        } catch (ProviderRefusedException e) {
          boolean stale = ErrorCode.STALE_VOUCHER.name().equals(e.code());
          boolean offTrack =
              ErrorCode.VOUCHER_BELOW_PRICE.name().equals(e.code())
                  || ErrorCode.VOUCHER_SKIPS_CALLS.name().equals(e.code());
          if (attempt >= 2 || !(stale || offTrack)) {
            throw e;
          }
          LOG.info(
              "{} refused a voucher on lane {} ({}); learning its lane",
              offer.provider(),
              lane.key(),
              e.code());
          learn(offer, lane, offTrack);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InferenceException("interrupted while calling provider " + offer.provider(), e);
    }
  }

  /**
   * One call with payment switched off ({@link ClientOptions#paymentOff()}): no voucher is sent and
   * no receipt expected, for providers started unpaid on a devnet.
   */
  InferenceResult callUnpaid(ProviderOffer offer, Request request) {
    try {
      Instant start = clock.instant();
      Reply reply;
      try {
        reply = http.post(offer, request.path(), null, request.body());
      } catch (IOException e) {
        throw new ProviderUnavailableException(
            offer.provider(), "no answer from " + offer.endpoint() + " (" + e + ")", e);
      }
      Duration latency = Duration.between(start, clock.instant());
      if (reply.status() != 200) {
        throw refusal(offer, request, reply);
      }
      JsonNode answer;
      List<Tensor> outputs;
      try {
        answer = V2Json.parse(reply.body());
        outputs = request.outputs().apply(answer);
      } catch (IllegalArgumentException e) {
        throw new ProviderUnavailableException(
            offer.provider(), "its outputs are unreadable: " + e.getMessage(), e);
      }
      return new InferenceResult(outputs, null, offer.provider(), latency, promptTokens(answer));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InferenceException("interrupted while calling provider " + offer.provider(), e);
    }
  }

  /** The exception for a non-200 answer: unavailable (5xx, unknown model) or refused (4xx). */
  private static InferenceException refusal(ProviderOffer offer, Request request, Reply reply) {
    Optional<NodeError> error = V2Json.error(reply.body());
    String code = error.map(NodeError::code).orElse("HTTP_" + reply.status());
    String message = error.map(NodeError::message).orElse(abbreviate(reply.body()));
    // a 5xx, or a 429 (this provider's own limit): another provider may well answer
    if (reply.status() >= 500 || reply.status() == 429) {
      return new ProviderUnavailableException(
          offer.provider(), "HTTP " + reply.status() + " " + code + ": " + message, null);
    }
    if (reply.status() == 404 && ErrorCode.UNKNOWN_MODEL.name().equals(code)) {
      return new ProviderUnavailableException(
          offer.provider(), "does not serve model " + request.model() + ": " + message, null);
    }
    return new ProviderRefusedException(
        offer.provider(), reply.status(), code, error.map(NodeError::field).orElse(null), message);
  }

  private static long promptTokens(JsonNode answer) {
    return answer.path("usage").path("prompt_tokens").asLong(0);
  }

  private SignedVoucher take(ClientLane lane, TokenAmount price) {
    Optional<SignedVoucher> reused = lane.reuse();
    if (reused.isPresent()) {
      return reused.get();
    }
    SignedVoucher signed = SignedVoucher.sign(lane.reserve(price), domain, signer);
    if (lane.signed(signed)) {
      lanes.changed(lane);
    }
    return signed;
  }

  private InferenceResult attempt(ProviderOffer offer, ClientLane lane, Request request)
      throws InterruptedException {
    SignedVoucher voucher = take(lane, offer.price());
    Instant start = clock.instant();
    Reply reply;
    try {
      reply = http.post(offer, request.path(), PaymentHeaders.encode(voucher), request.body());
    } catch (IOException e) {
      afterLostReply(offer, lane, voucher);
      throw new ProviderUnavailableException(
          offer.provider(), "no answer from " + offer.endpoint() + " (" + e + ")", e);
    }
    Duration latency = Duration.between(start, clock.instant());
    if (reply.status() == 200) {
      return accept(offer, request, voucher, reply, latency);
    }
    InferenceException failure = refusal(offer, request, reply);
    if (reply.status() >= 500) {
      afterLostReply(offer, lane, voucher);
    } else if (!(failure instanceof ProviderRefusedException refused
        && VOUCHER_AT_FAULT.contains(refused.code()))) {
      lane.giveBack(voucher); // a refusal charges nothing: the voucher serves the next call
    }
    throw failure;
  }

  /**
   * Asks the provider what it holds on the lane and continues after its newest voucher, once
   * checked to be this client's; with {@code rebase}, starts numbering right after it even if this
   * client had handed out more.
   */
  void learn(ProviderOffer offer, ClientLane lane, boolean rebase) throws InterruptedException {
    HeldLane held;
    try {
      held = http.lane(offer, lane.key().consumer(), lane.key().modelId());
    } catch (IOException e) {
      throw new ProviderUnavailableException(
          offer.provider(),
          "cannot learn what it holds on lane " + lane.key() + " (" + e.getMessage() + ")",
          e);
    }
    if (held.calls() == 0) {
      if (rebase) {
        lane.rebase(0, TokenAmount.ZERO);
      }
      return;
    }
    Optional<SignedVoucher> theirs =
        held.signature().map(sig -> new SignedVoucher(held.voucher(lane.key()), sig));
    if (theirs.isEmpty() || !theirs.get().verify(domain)) {
      throw new LaneConflictException(
          offer.provider(),
          "reports holding ("
              + held.amount()
              + ", "
              + held.calls()
              + " calls) on lane "
              + lane.key()
              + " without a voucher this client signed; not paying it on that lane");
    }
    if (lane.catchUp(theirs.get())) {
      lanes.changed(lane);
    }
    if (rebase) {
      lane.rebase(held.calls(), held.amount());
    }
  }

  // Best effort: learn now whether the provider answered the call. If it did, the call is paid
  // without a result; if not (or it cannot say), the voucher is kept to serve a later call.
  private void afterLostReply(ProviderOffer offer, ClientLane lane, SignedVoucher voucher)
      throws InterruptedException {
    long call = voucher.voucher().cumulativeCalls();
    try {
      HeldLane held = http.lane(offer, lane.key().consumer(), lane.key().modelId());
      if (held.answered(call)) {
        LOG.warn(
            "provider {} answered call #{} on lane {} but its reply was lost: that call is paid"
                + " without a result",
            offer.provider(),
            call,
            lane.key());
        return;
      }
    } catch (IOException e) {
      LOG.debug("lane {}: cannot learn the fate of call #{}: {}", lane.key(), call, e.toString());
    }
    lane.giveBack(voucher);
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
    JsonNode answer;
    List<Tensor> outputs;
    try {
      answer = V2Json.parse(body);
      outputs = request.outputs().apply(answer);
    } catch (IllegalArgumentException e) {
      throw new InvalidReceiptException(
          offer.provider(), "its outputs are unreadable: " + e.getMessage(), receipt, body);
    }
    String fault = fault(offer, request, signed.voucher(), receipt, outputs);
    if (fault != null) {
      throw new InvalidReceiptException(offer.provider(), fault, receipt, body);
    }
    return new InferenceResult(outputs, receipt, offer.provider(), latency, promptTokens(answer));
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
