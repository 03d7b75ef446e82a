package io.verinfer.client;

import io.verinfer.protocol.SignedVoucher;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Durable per-lane memory of a paying client: the newest voucher it signed on each lane, so that a
 * restarted client continues where it stopped instead of relearning each lane from its provider.
 *
 * <p>The client saves behind its calls (group-committed, a few milliseconds late), not before each
 * one: losing the last saves in a crash costs nothing, because a provider answers each call number
 * once ({@link io.verinfer.protocol.LaneWindow}) — a restarted client that signs a number again is
 * told the voucher is stale, asks the provider for its newest voucher (which it checks it signed)
 * and continues after it. Implementations are safe for concurrent use.
 */
public interface LaneStore extends AutoCloseable {
  /** The newest voucher saved for {@code lane}, if this client ever signed one there. */
  Optional<SignedVoucher> newest(LaneKey lane);

  /**
   * Saves each voucher as its lane's newest, in one durable write, unless the lane already holds a
   * voucher for as many calls or more (which is kept).
   */
  void saveAll(Collection<SignedVoucher> vouchers);

  /** The newest saved voucher of every lane. */
  List<SignedVoucher> all();

  @Override
  void close();
}
