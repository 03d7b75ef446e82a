package io.verinfer.node.ledger;

import io.verinfer.protocol.Address;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import java.util.List;
import java.util.Optional;

/**
 * The provider's durable record of the vouchers it accepted: the newest per lane, and what of it
 * has been redeemed on-chain. {@link #accept} returns only once the voucher is on disk, so a
 * voucher answered for survives a crash ({@code kill -9}) of the node.
 */
public interface VoucherLedger extends AutoCloseable {
  /** The newest accepted voucher of a lane. */
  Optional<SignedVoucher> latest(Lane lane);

  /**
   * Stores {@code voucher} as its lane's newest. Refuses (with {@link IllegalStateException}) a
   * voucher whose calls do not grow or whose amount shrinks, against the stored one or, for a new
   * lane, against (0, 0).
   */
  void accept(SignedVoucher voucher);

  /** What the lane's newest voucher holds beyond what was redeemed. */
  TokenAmount unredeemed(Lane lane);

  /** Sum of {@link #unredeemed(Lane)} over every lane of {@code consumer}. */
  TokenAmount unredeemedBy(Address consumer);

  /** Records that the lane has been redeemed on-chain up to these cumulative values. */
  void markRedeemed(Lane lane, TokenAmount amount, long calls);

  /** The newest voucher of every lane that holds unredeemed value. */
  List<SignedVoucher> pending();

  @Override
  void close();
}
