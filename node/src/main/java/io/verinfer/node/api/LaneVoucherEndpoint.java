package io.verinfer.node.api;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.verinfer.node.ledger.Lane;
import io.verinfer.node.ledger.LaneRecord;
import io.verinfer.node.payment.TextPaymentRules;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.VerinferException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code POST /v1/lanes/{consumer}/{modelId}/voucher}: pays a text lane with the voucher in {@value
 * PaymentHeaders#VOUCHER} (no body), under the monotone rule of text lanes; answers the lane's
 * newest values and what the node now claims on it ({@code owed}) once the voucher is on disk.
 * Refusals are the voucher codes of paid calls.
 */
public final class LaneVoucherEndpoint implements Handler {
  private final TextPaymentRules rules;

  public LaneVoucherEndpoint(TextPaymentRules rules) {
    this.rules = rules;
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
    LaneRecord lane = rules.pay(consumer, model, ctx.header(PaymentHeaders.VOUCHER));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("consumer", consumer.value());
    body.put("provider", rules.provider().value());
    body.put("modelId", model.value());
    body.put("cumulativeAmount", lane.amount().toString());
    body.put("cumulativeCalls", lane.calls());
    body.put("owed", rules.owed(new Lane(consumer, rules.provider(), model)).toString());
    ctx.json(body);
  }
}
