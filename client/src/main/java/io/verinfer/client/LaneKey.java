package io.verinfer.client;

import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Voucher;
import java.util.Objects;

/**
 * A payment lane: one consumer paying one provider for one model. Vouchers are cumulative per lane.
 *
 * @param consumer who pays and signs
 * @param provider who serves and redeems
 * @param modelId the model served
 */
public record LaneKey(Address consumer, Address provider, ModelId modelId) {
  /** Validates the fields. */
  public LaneKey {
    Objects.requireNonNull(consumer, "consumer must not be null");
    Objects.requireNonNull(provider, "provider must not be null");
    Objects.requireNonNull(modelId, "modelId must not be null");
  }

  /** The lane a voucher belongs to. */
  public static LaneKey of(Voucher voucher) {
    Objects.requireNonNull(voucher, "voucher must not be null");
    return new LaneKey(voucher.consumer(), voucher.provider(), voucher.modelId());
  }

  @Override
  public String toString() {
    return consumer + "→" + provider + "/" + modelId;
  }
}
