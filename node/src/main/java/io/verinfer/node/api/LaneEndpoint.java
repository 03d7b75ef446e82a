package io.verinfer.node.api;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.verinfer.node.ledger.Lane;
import io.verinfer.node.ledger.VoucherLedger;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.VerinferException;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /v1/lanes/{consumer}/{modelId}}: the newest voucher this node accepted on a lane. A
 * client whose call was cut off asks this to learn whether the node kept the voucher, so it neither
 * pays twice nor skips a call.
 */
public final class LaneEndpoint implements Handler {
  private final VoucherLedger ledger;
  private final Address provider;

  public LaneEndpoint(VoucherLedger ledger, Address provider) {
    this.ledger = ledger;
    this.provider = provider;
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
    Optional<SignedVoucher> latest = ledger.latest(new Lane(consumer, provider, model));
    ctx.json(
        Map.of(
            "consumer", consumer.value(),
            "provider", provider.value(),
            "modelId", model.value(),
            "cumulativeAmount",
                latest.map(v -> v.voucher().cumulativeAmount().toString()).orElse("0"),
            "cumulativeCalls", latest.map(v -> v.voucher().cumulativeCalls()).orElse(0L)));
  }
}
