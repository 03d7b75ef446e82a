package io.verinfer.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.LocalKeySigner;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.Receipt;
import io.verinfer.protocol.SignedReceipt;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.Voucher;
import java.math.BigInteger;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.web3j.crypto.ECKeyPair;

/**
 * A provider on 127.0.0.1 that keeps one lane the way a Verinfer node does (each call number is
 * answered once; a voucher ahead of the newest becomes the newest, one behind it must be an
 * unanswered gap; it answers the lane endpoint) and can be told to misbehave in the ways a paying
 * client must survive. Its model returns the input doubled, as {@code y}.
 */
final class ScriptedProvider implements AutoCloseable {
  /** How the next inference call goes. */
  enum Mode {
    HONEST,
    REFUSE_INSUFFICIENT_DEPOSIT,
    WRONG_OUTPUT_HASH,
    SIGNED_BY_SOMEONE_ELSE,
    FAIL_500_AFTER_COMMIT,
    SLOW_AFTER_COMMIT,
    STALE_AFTER_LATE_COMMIT,
    CLAIM_MORE_ON_LANE,
    REFUSE_BELOW_PRICE,
    RATE_LIMITED
  }

  static final LocalKeySigner KEY = LocalKeySigner.of(ECKeyPair.create(BigInteger.valueOf(4242)));
  private static final LocalKeySigner OTHER =
      LocalKeySigner.of(ECKeyPair.create(BigInteger.valueOf(4343)));
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Eip712Domain domain;
  private final Javalin app;
  private volatile Mode mode = Mode.HONEST;
  private boolean claimMore; // from a CLAIM_MORE_ON_LANE call on, the lane endpoint lies
  private SignedVoucher newest;
  private final Set<Long> answered = new HashSet<>();
  private int inferCalls;

  ScriptedProvider(Eip712Domain domain) {
    this.domain = domain;
    this.app = Javalin.create(c -> c.showJavalinBanner = false);
    app.post("/v2/models/{id}/infer", this::infer);
    app.get("/v1/lanes/{consumer}/{modelId}", this::lane);
    app.start("127.0.0.1", 0);
  }

  String baseUrl() {
    return "http://127.0.0.1:" + app.port();
  }

  void next(Mode value) {
    mode = value;
  }

  synchronized long heldCalls() {
    return newest == null ? 0 : newest.voucher().cumulativeCalls();
  }

  synchronized Set<Long> answered() {
    return Set.copyOf(answered);
  }

  synchronized int inferCalls() {
    return inferCalls;
  }

  private void infer(Context ctx) throws InterruptedException {
    ObjectNode body;
    String receipt;
    boolean slow;
    synchronized (this) {
      inferCalls++;
      Mode now = mode;
      mode = Mode.HONEST;
      SignedVoucher signed = PaymentHeaders.decodeVoucher(ctx.header(PaymentHeaders.VOUCHER));
      Voucher v = signed.voucher();
      if (now == Mode.REFUSE_INSUFFICIENT_DEPOSIT) {
        refuse(ctx, 402, "INSUFFICIENT_DEPOSIT", "deposit more");
        return;
      }
      if (now == Mode.RATE_LIMITED) {
        refuse(ctx, 429, "RATE_LIMITED", "too many requests from this address");
        return;
      }
      if (now == Mode.REFUSE_BELOW_PRICE) {
        refuse(ctx, 402, "VOUCHER_BELOW_PRICE", "the price went up");
        return;
      }
      if (now == Mode.STALE_AFTER_LATE_COMMIT) {
        commit(signed); // an earlier request carrying this voucher just landed
        refuse(ctx, 409, "STALE_VOUCHER", "not newer");
        return;
      }
      claimMore |= now == Mode.CLAIM_MORE_ON_LANE;
      if (now == Mode.CLAIM_MORE_ON_LANE || answered.contains(v.cumulativeCalls())) {
        refuse(ctx, 409, "STALE_VOUCHER", "call #" + v.cumulativeCalls() + " was answered");
        return;
      }
      List<Tensor> inputs = V2Json.outputs(ctx.body().replace("\"inputs\"", "\"outputs\""));
      Tensor x = inputs.get(0);
      float[] in = x.toFloats();
      float[] out = new float[in.length];
      for (int i = 0; i < in.length; i++) {
        out[i] = 2 * in[i];
      }
      List<Tensor> outputs = List.of(Tensor.ofFloats("y", x.shape(), out));
      commit(signed);
      if (now == Mode.FAIL_500_AFTER_COMMIT) {
        refuse(ctx, 500, "INTERNAL", "crashed after committing");
        return;
      }
      Bytes32 outputHash =
          now == Mode.WRONG_OUTPUT_HASH
              ? Bytes32.keccak256(new byte[] {1})
              : CanonicalTensors.hash(outputs);
      Receipt r =
          new Receipt(
              v.consumer(),
              v.provider(),
              v.modelId(),
              CanonicalTensors.hash(inputs),
              outputHash,
              v.cumulativeAmount(),
              v.cumulativeCalls());
      receipt = PaymentHeaders.encode(sign(r, now == Mode.SIGNED_BY_SOMEONE_ELSE ? OTHER : KEY));
      body = JSON.createObjectNode();
      ObjectNode y = body.putArray("outputs").addObject();
      y.put("name", "y").put("datatype", "FP32");
      ArrayNode shape = y.putArray("shape");
      for (long d : x.shape()) {
        shape.add(d);
      }
      ArrayNode data = y.putArray("data");
      for (float f : out) {
        data.add(f);
      }
      slow = now == Mode.SLOW_AFTER_COMMIT;
    }
    if (slow) {
      Thread.sleep(1_500); // committed, but the answer comes after the client gave up
    }
    ctx.header(PaymentHeaders.RECEIPT, receipt);
    ctx.contentType("application/json").result(body.toString());
  }

  // an impostor signs a receipt naming the real provider: only the signature gives it away
  private SignedReceipt sign(Receipt receipt, LocalKeySigner signer) {
    return new SignedReceipt(receipt, signer.sign(receipt.digest(domain)));
  }

  private void commit(SignedVoucher v) {
    answered.add(v.voucher().cumulativeCalls());
    if (v.voucher().cumulativeCalls() > heldCalls()) {
      newest = v;
    }
  }

  private synchronized void lane(Context ctx) {
    long held = heldCalls();
    ObjectNode lane = JSON.createObjectNode();
    lane.put("cumulativeCalls", claimMore ? held + 5 : held);
    lane.put(
        "cumulativeAmount", newest == null ? "0" : newest.voucher().cumulativeAmount().toString());
    if (newest != null) {
      lane.put("r", newest.signature().r().hex());
      lane.put("vs", newest.signature().vs().hex());
    }
    ArrayNode gaps = lane.putArray("gaps");
    for (long c = 1; c < held; c++) {
      if (!answered.contains(c)) {
        gaps.add(c);
      }
    }
    ctx.contentType("application/json").result(lane.toString());
  }

  private static void refuse(Context ctx, int status, String code, String message) {
    ctx.status(status)
        .json(
            Map.of(
                "error",
                Map.of("code", code, "field", PaymentHeaders.VOUCHER, "message", message)));
  }

  @Override
  public void close() {
    app.stop();
  }
}
