package io.verinfer.client;

import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import java.util.Optional;

/**
 * The lane arithmetic of a paying client, free of I/O. A lane's next voucher is one call and one
 * price beyond what the provider is known to hold, and never below a voucher already signed there.
 */
final class LaneProgress {
  private LaneProgress() {}

  /**
   * The next voucher on {@code lane} for a call at {@code price}: calls = held + 1, amount = held +
   * price, raised to the last signed amount if that is higher (a voucher re-sent after the provider
   * refused or never received it, at a price that has since dropped, stays what was signed).
   */
  static Voucher next(LaneKey lane, Optional<LaneEntry> entry, TokenAmount price) {
    TokenAmount heldAmount = entry.map(LaneEntry::heldAmount).orElse(TokenAmount.ZERO);
    long heldCalls = entry.map(LaneEntry::heldCalls).orElse(0L);
    TokenAmount amount = heldAmount.plus(price);
    if (entry.isPresent()) {
      TokenAmount signed = entry.get().voucher().voucher().cumulativeAmount();
      if (signed.compareTo(amount) > 0) {
        amount = signed;
      }
    }
    return new Voucher(
        lane.consumer(), lane.provider(), lane.modelId(), amount, Math.addExact(heldCalls, 1));
  }

  /**
   * What {@code entry} becomes when its provider reports holding ({@code amount}, {@code calls}):
   * unchanged when it holds what it was known to hold; confirmed up to the report when it holds a
   * voucher this client signed for the last call; empty when the report contradicts this client's
   * records (more than was ever signed, or less than the provider was known to hold).
   */
  static Optional<LaneEntry> reconcile(LaneEntry entry, TokenAmount amount, long calls) {
    if (calls == entry.heldCalls() && amount.equals(entry.heldAmount())) {
      return Optional.of(entry);
    }
    Voucher signed = entry.voucher().voucher();
    if (calls == signed.cumulativeCalls()
        && amount.compareTo(signed.cumulativeAmount()) <= 0
        && amount.compareTo(entry.heldAmount()) >= 0) {
      return Optional.of(new LaneEntry(entry.voucher(), amount, calls));
    }
    return Optional.empty();
  }
}
