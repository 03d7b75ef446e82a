package io.verinfer.node.api;

import io.javalin.http.Context;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.VerinferException;
import io.verinfer.runtime.ModelSpec;
import java.util.Map;

/**
 * Decides whether a call may run and what it costs. {@link #authorize} checks the payment before
 * the model runs and charges nothing; the returned {@link Hold} is settled after a successful run
 * (the payment is stored durably and the answer's headers, e.g. the signed receipt, come back) or
 * closed unsettled, which charges nothing.
 */
public interface PaymentGate {
  Hold authorize(Context ctx, ModelSpec model);

  /** A checked, not yet committed payment for one call. */
  interface Hold extends AutoCloseable {
    /** Commits the payment (durably, before the reply) and returns headers for the answer. */
    Map<String, String> settle(Bytes32 inputHash, Bytes32 outputHash);

    /** Ends the hold; an unsettled hold charges nothing. */
    @Override
    void close();
  }

  Hold FREE =
      new Hold() {
        @Override
        public Map<String, String> settle(Bytes32 inputHash, Bytes32 outputHash) {
          return Map.of();
        }

        @Override
        public void close() {}
      };

  /** Serves everything for free: only ever enabled on a devnet. */
  static PaymentGate unpaidDevnet() {
    return (ctx, model) -> FREE;
  }

  /** Refuses every call with 402 (a node with no payment method configured). */
  static PaymentGate refuseAll() {
    return (ctx, model) -> {
      throw new VerinferException(
          ErrorCode.PAYMENT_REQUIRED,
          "X-Verinfer-Voucher",
          "this node only serves paid calls; send a voucher (or start the node with --unpaid on a"
              + " devnet)");
    };
  }
}
