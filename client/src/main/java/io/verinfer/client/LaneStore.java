package io.verinfer.client;

import io.verinfer.protocol.Voucher;
import java.util.List;
import java.util.Optional;

/**
 * Durable per-lane memory of a consumer: the last voucher it signed on each lane and what the
 * provider is known to hold. The client saves a voucher here <em>before</em> sending it, so a
 * restarted client never signs a lower cumulative value, nor a second, different voucher with the
 * same cumulative values, on a lane.
 *
 * <p>Every implementation enforces, in {@link #save}: a lane's voucher never goes down in either
 * cumulative value; a voucher equal to the stored one in both values must be the same signed
 * voucher; and the held values never go down. Implementations are safe for concurrent use.
 */
public interface LaneStore extends AutoCloseable {
  /** The entry of {@code lane}, if this client ever signed a voucher on it. */
  Optional<LaneEntry> find(LaneKey lane);

  /**
   * Stores {@code entry} durably before returning.
   *
   * @throws IllegalStateException if the entry would move the lane backwards (see the class
   *     comment); nothing is changed then
   */
  void save(LaneEntry entry);

  /** The lanes whose last signed voucher the provider is not known to hold. */
  List<LaneEntry> unconfirmed();

  @Override
  void close();

  /**
   * The rules of {@link #save}, for implementations: throws {@link IllegalStateException} unless
   * {@code next} may replace {@code old} on their lane.
   */
  static void requireForward(LaneEntry old, LaneEntry next) {
    if (!old.lane().equals(next.lane())) {
      throw new IllegalArgumentException(
          "entries of different lanes: " + old.lane() + " and " + next.lane());
    }
    Voucher o = old.voucher().voucher();
    Voucher n = next.voucher().voucher();
    if (n.cumulativeCalls() < o.cumulativeCalls()
        || n.cumulativeAmount().compareTo(o.cumulativeAmount()) < 0) {
      throw new IllegalStateException(
          "lane "
              + old.lane()
              + ": refusing a voucher ("
              + n.cumulativeAmount()
              + ", "
              + n.cumulativeCalls()
              + " calls) below the one already signed ("
              + o.cumulativeAmount()
              + ", "
              + o.cumulativeCalls()
              + " calls)");
    }
    if (n.cumulativeCalls() == o.cumulativeCalls()
        && n.cumulativeAmount().equals(o.cumulativeAmount())
        && !next.voucher().equals(old.voucher())) {
      throw new IllegalStateException(
          "lane "
              + old.lane()
              + ": refusing a second, different signature for the already signed values ("
              + o.cumulativeAmount()
              + ", "
              + o.cumulativeCalls()
              + " calls)");
    }
    if (next.heldCalls() < old.heldCalls() || next.heldAmount().compareTo(old.heldAmount()) < 0) {
      throw new IllegalStateException(
          "lane "
              + old.lane()
              + ": the provider was known to hold ("
              + old.heldAmount()
              + ", "
              + old.heldCalls()
              + " calls); refusing to record less");
    }
  }
}
