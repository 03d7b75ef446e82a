package io.verinfer.node.ledger;

import io.verinfer.protocol.Address;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import java.util.List;
import java.util.Optional;

/**
 * The provider's durable record of the calls it answered, per lane (see {@link LaneRecord}): the
 * newest voucher, the gaps below it and what has been redeemed on-chain. {@link #serve} returns
 * only once the call is on disk, so a call answered for survives a crash ({@code kill -9}) of the
 * node. Reads are served from memory and are cheap.
 */
public interface VoucherLedger extends AutoCloseable {
  /** The state of {@code lane}; {@link LaneRecord#empty} for a lane never used. */
  LaneRecord lane(Lane lane);

  /**
   * Records the call of {@code voucher} as answered at {@code price} per call, durably before
   * returning, and returns the lane's new state.
   *
   * @throws io.verinfer.protocol.VerinferException when the lane's rules refuse the voucher (see
   *     {@link LaneRecord#admit}); nothing is changed then
   */
  LaneRecord serve(SignedVoucher voucher, TokenAmount price);

  /**
   * Records {@code voucher} as the lane's newest under the monotone rule of text lanes ({@link
   * LaneRecord#pay}), durably before returning, and returns the lane's new state.
   *
   * @throws io.verinfer.protocol.VerinferException {@code STALE_VOUCHER} when it does not rise
   *     above the newest; nothing is changed then
   */
  LaneRecord pay(SignedVoucher voucher);

  /**
   * {@link #pay} without waiting for the disk: the lane's new state is in memory (and read by every
   * later call) when this returns, and {@link Queued#durable} completes once it is on disk. For a
   * caller with work to overlap with the write; what it acknowledges to anyone must still wait.
   */
  Queued payQueued(SignedVoucher voucher);

  /** A lane change made in memory and queued for the disk. */
  record Queued(LaneRecord record, java.util.concurrent.CompletableFuture<Void> durable) {
    /** Waits until the change is on disk; the ledger's write failure as an exception. */
    public LaneRecord awaitDurable() {
      SqliteVoucherLedger.awaitDurable(durable);
      return record;
    }
  }

  /** Sum of {@link LaneRecord#unredeemed()} over every lane of {@code consumer}. */
  TokenAmount unredeemedBy(Address consumer);

  /** Records, durably, that the lane has been redeemed on-chain up to these cumulative values. */
  void markRedeemed(Lane lane, TokenAmount amount, long calls);

  /** The lanes whose newest voucher holds something not redeemed yet. */
  List<LaneRecord> pending();

  /** The newest voucher of {@code lane}: the one to redeem. */
  default Optional<SignedVoucher> latest(Lane lane) {
    return lane(lane).newest();
  }

  /** What the newest voucher of {@code lane} holds beyond what was redeemed. */
  default TokenAmount unredeemed(Lane lane) {
    return lane(lane).unredeemed();
  }

  @Override
  void close();
}
