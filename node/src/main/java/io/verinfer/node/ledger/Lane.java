package io.verinfer.node.ledger;

import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Voucher;
import java.util.Objects;

/** A payment lane: one consumer paying one provider for one model. */
public record Lane(Address consumer, Address provider, ModelId modelId) {
  public Lane {
    Objects.requireNonNull(consumer, "consumer");
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(modelId, "modelId");
  }

  public static Lane of(Voucher v) {
    return new Lane(v.consumer(), v.provider(), v.modelId());
  }
}
