package io.verinfer.node.api;

import io.javalin.http.Context;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.VerinferException;
import io.verinfer.runtime.ModelSpec;

/**
 * Decides whether a call may run. Paid calls (vouchers) arrive with the payment issue; until then a
 * node serves only when started with the devnet-only {@code --unpaid} switch.
 */
public interface PaymentGate {
  void check(Context ctx, ModelSpec model);

  /** Serves everything for free: only ever enabled on a devnet. */
  static PaymentGate unpaidDevnet() {
    return (ctx, model) -> {};
  }

  /** Refuses every call with 402 until a payment method exists. */
  static PaymentGate refuseAll() {
    return (ctx, model) -> {
      throw new VerinferException(
          ErrorCode.PAYMENT_REQUIRED,
          "voucher",
          "this node only serves paid calls; paid calls are not implemented yet (start the node"
              + " with --unpaid on a devnet to call it without payment)");
    };
  }
}
