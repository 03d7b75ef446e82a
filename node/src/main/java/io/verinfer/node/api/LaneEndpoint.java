package io.verinfer.node.api;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.verinfer.node.ledger.Lane;
import io.verinfer.node.ledger.LaneRecord;
import io.verinfer.node.ledger.VoucherLedger;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.LaneWindow;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.VerinferException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /v1/lanes/{consumer}/{modelId}}: what this node holds on a lane — the newest answered
 * call's voucher (values and signature, so the consumer can check it signed them) and the gaps
 * below it, the calls paid for but not answered (see {@link LaneWindow}). A client whose call was
 * cut off asks this to learn whether the call was answered, so it neither pays twice nor reuses a
 * spent voucher; a client that lost its own state continues after {@code cumulativeCalls}.
 */
public final class LaneEndpoint implements Handler {
  private final VoucherLedger ledger;
  private final Address provider;
  private final io.verinfer.node.payment.TextPaymentRules text; // null: no text lanes

  public LaneEndpoint(VoucherLedger ledger, Address provider) {
    this(ledger, provider, null);
  }

  /**
   * With the text lanes of {@code text}: their claim and the final checkpoints of ended streams.
   */
  public LaneEndpoint(
      VoucherLedger ledger, Address provider, io.verinfer.node.payment.TextPaymentRules text) {
    this.ledger = ledger;
    this.provider = provider;
    this.text = text;
  }

  @Override
  public void handle(Context ctx) {
    Address consumer;
    ModelId model;
    try {
      consumer = Address.of(ctx.pathParam("consumer"));
    } catch (IllegalArgumentException e) {
      throw new VerinferException(ErrorCode.MALFORMED_REQUEST, "consumer", e.getMessage());
    }
    try {
      model = ModelId.of(Long.parseLong(ctx.pathParam("modelId")));
    } catch (IllegalArgumentException e) {
      throw new VerinferException(
          ErrorCode.MALFORMED_REQUEST, "modelId", "modelId must be a positive integer");
    }
    LaneRecord lane = ledger.lane(new Lane(consumer, provider, model));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("consumer", consumer.value());
    body.put("provider", provider.value());
    body.put("modelId", model.value());
    body.put("cumulativeAmount", lane.amount().toString());
    body.put("cumulativeCalls", lane.calls());
    lane.newest()
        .ifPresent(
            v -> {
              body.put("r", v.signature().r().hex());
              body.put("vs", v.signature().vs().hex());
            });
    body.put("gaps", lane.gaps());
    body.put("window", LaneWindow.SIZE);
    if (text != null) {
      text.view(lane.lane())
          .ifPresent(
              view -> {
                Map<String, Object> t = new LinkedHashMap<>();
                t.put("owed", view.owed().toString());
                t.put("open_streams", view.openStreams());
                t.put(
                    "checkpoints",
                    view.checkpoints().stream()
                        .map(io.verinfer.protocol.PaymentHeaders::encode)
                        .toList());
                body.put("text", t);
              });
    }
    ctx.json(body);
  }
}
