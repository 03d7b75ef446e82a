package io.verinfer.client;

import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import java.util.Objects;

/**
 * What this client knows about one lane: the last voucher it signed there, and the newest
 * cumulative values the provider is known to hold (its verified receipt said so, or its lane
 * endpoint reported them). The lane is {@linkplain #confirmed() confirmed} when the provider is
 * known to hold the last signed voucher; otherwise that voucher's fate is unknown (sent, reply
 * lost) or it was refused, and the client asks the provider before signing again.
 *
 * @param voucher the last voucher this client signed on the lane
 * @param heldAmount the cumulative amount the provider is known to hold; at most the voucher's
 * @param heldCalls the cumulative calls the provider is known to hold; at most the voucher's
 */
public record LaneEntry(SignedVoucher voucher, TokenAmount heldAmount, long heldCalls) {
  /** Validates that the held values do not exceed what was signed. */
  public LaneEntry {
    Objects.requireNonNull(voucher, "voucher must not be null");
    Objects.requireNonNull(heldAmount, "heldAmount must not be null");
    Voucher v = voucher.voucher();
    if (heldCalls < 0 || heldCalls > v.cumulativeCalls()) {
      throw new IllegalArgumentException(
          "heldCalls must be 0.." + v.cumulativeCalls() + " (the voucher's), got " + heldCalls);
    }
    if (heldAmount.compareTo(v.cumulativeAmount()) > 0) {
      throw new IllegalArgumentException(
          "heldAmount must be at most the voucher's "
              + v.cumulativeAmount()
              + ", got "
              + heldAmount);
    }
  }

  /** An entry whose voucher the provider is known to hold (its receipt verified). */
  public static LaneEntry confirmed(SignedVoucher voucher) {
    Objects.requireNonNull(voucher, "voucher must not be null");
    return new LaneEntry(
        voucher, voucher.voucher().cumulativeAmount(), voucher.voucher().cumulativeCalls());
  }

  /** The lane this entry describes. */
  public LaneKey lane() {
    return LaneKey.of(voucher.voucher());
  }

  /** Whether the provider is known to hold the last signed voucher. */
  public boolean confirmed() {
    Voucher v = voucher.voucher();
    return heldCalls == v.cumulativeCalls() && heldAmount.equals(v.cumulativeAmount());
  }
}
