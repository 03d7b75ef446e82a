package io.verinfer.client;

import io.verinfer.protocol.LaneWindow;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;

/**
 * What this client knows of one lane, in memory: the highest call number and amount it has handed
 * out, the newest voucher it signed (to be saved), and vouchers whose call got no answer, kept to
 * be sent again for another call (a provider answers each call number once, so sending one again is
 * safe: at worst it is refused as stale). Concurrent calls each take their own voucher.
 */
final class ClientLane {
  private final LaneKey key;
  private long reservedCalls;
  private TokenAmount reservedAmount;
  private SignedVoucher newestSigned;
  private boolean dirty;
  private final PriorityQueue<SignedVoucher> reusable =
      new PriorityQueue<>(Comparator.comparingLong(v -> v.voucher().cumulativeCalls()));

  ClientLane(LaneKey key, Optional<SignedVoucher> saved) {
    this.key = key;
    this.newestSigned = saved.orElse(null);
    this.reservedCalls = saved.map(v -> v.voucher().cumulativeCalls()).orElse(0L);
    this.reservedAmount = saved.map(v -> v.voucher().cumulativeAmount()).orElse(TokenAmount.ZERO);
  }

  LaneKey key() {
    return key;
  }

  /** A voucher given back earlier that may still serve, lowest call number first. */
  synchronized Optional<SignedVoucher> reuse() {
    for (SignedVoucher v; (v = reusable.poll()) != null; ) {
      if (v.voucher().cumulativeCalls() > reservedCalls - LaneWindow.SIZE) {
        return Optional.of(v);
      }
    }
    return Optional.empty();
  }

  /** The values of the next new voucher: one call and one price beyond what was handed out. */
  synchronized Voucher reserve(TokenAmount price) {
    reservedCalls = Math.addExact(reservedCalls, 1);
    reservedAmount = reservedAmount.plus(price);
    return new Voucher(
        key.consumer(), key.provider(), key.modelId(), reservedAmount, reservedCalls);
  }

  /**
   * The values of the next voucher of a text lane: {@code add} more than handed out so far, and
   * calls up to {@code call} (a stream's call number; concurrent streams raise it in any order).
   */
  synchronized Voucher extend(TokenAmount add, long call) {
    reservedAmount = reservedAmount.plus(add);
    reservedCalls = Math.max(reservedCalls, call);
    return new Voucher(
        key.consumer(), key.provider(), key.modelId(), reservedAmount, reservedCalls);
  }

  /**
   * The values of a text stream's opening voucher: the next call number, every amount handed out so
   * far.
   */
  synchronized Voucher nextCall() {
    reservedCalls = Math.addExact(reservedCalls, 1);
    return new Voucher(
        key.consumer(), key.provider(), key.modelId(), reservedAmount, reservedCalls);
  }

  /** Takes back call number {@code call} if it is the last handed out (its opening was refused). */
  synchronized void unreserveCall(long call) {
    if (reservedCalls == call) {
      reservedCalls--;
    }
  }

  /** The values of a voucher for everything handed out so far. */
  synchronized Voucher current() {
    return new Voucher(
        key.consumer(), key.provider(), key.modelId(), reservedAmount, reservedCalls);
  }

  /** The amount handed out so far. */
  synchronized TokenAmount reservedAmount() {
    return reservedAmount;
  }

  /** Records a voucher this client signed; returns whether the lane now needs saving. */
  synchronized boolean signed(SignedVoucher v) {
    Voucher newest = newestSigned == null ? null : newestSigned.voucher();
    // a text lane's vouchers rise in amount within one call (a stream paid checkpoint by
    // checkpoint)
    if (newest == null
        || v.voucher().cumulativeCalls() > newest.cumulativeCalls()
        || (v.voucher().cumulativeCalls() == newest.cumulativeCalls()
            && v.voucher().cumulativeAmount().compareTo(newest.cumulativeAmount()) > 0)) {
      newestSigned = v;
      if (!dirty) {
        dirty = true;
        return true;
      }
    }
    return false;
  }

  /** Keeps a voucher whose call got no answer, to send again for another call. */
  synchronized void giveBack(SignedVoucher v) {
    reusable.add(v);
  }

  /**
   * Continues after {@code theirs}, the newest voucher the provider holds (checked to be this
   * client's): new vouchers are numbered after it. Returns whether the lane now needs saving.
   */
  synchronized boolean catchUp(SignedVoucher theirs) {
    Voucher v = theirs.voucher();
    if (v.cumulativeCalls() > reservedCalls) {
      reservedCalls = v.cumulativeCalls();
    }
    if (v.cumulativeAmount().compareTo(reservedAmount) > 0) {
      reservedAmount = v.cumulativeAmount();
    }
    return signed(theirs);
  }

  /**
   * Starts numbering again right after what the provider holds ({@code calls} and {@code amount}),
   * dropping the vouchers kept for reuse: after the provider refused a new voucher as below its
   * price or too far ahead, the vouchers handed out beyond its newest cannot serve.
   */
  synchronized void rebase(long calls, TokenAmount amount) {
    reservedCalls = calls;
    reservedAmount = amount;
    reusable.clear();
  }

  /** The newest signed voucher if it changed since the last call; clears the mark. */
  synchronized Optional<SignedVoucher> takeDirty() {
    if (!dirty) {
      return Optional.empty();
    }
    dirty = false;
    return Optional.of(newestSigned);
  }

  synchronized List<SignedVoucher> outstanding() {
    return new ArrayList<>(reusable);
  }

  synchronized Optional<SignedVoucher> newestSigned() {
    return Optional.ofNullable(newestSigned);
  }
}
