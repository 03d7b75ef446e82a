package io.verinfer.node.payment;

import io.verinfer.chain.facade.PaymentChannelsFacade;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/** What a consumer has deposited on-chain, as the payment gate sees it. */
public interface DepositView {
  TokenAmount depositOf(Address consumer);

  /**
   * Reads {@code PaymentChannels.depositOf}, caching each answer for {@code ttl} so a burst of
   * calls costs one RPC. A deposit only shrinks through redemptions (which the node itself makes)
   * or a withdrawal (which waits out the withdraw delay), so a short-lived cache is safe. When the
   * chain cannot be reached the last answer stands (the node keeps serving through an RPC outage,
   * bounded by what it saw; a withdrawal cannot mature faster than the delay); with no answer yet
   * the read fails.
   */
  static DepositView cached(PaymentChannelsFacade channels, Duration ttl, Clock clock) {
    record Seen(TokenAmount amount, Instant at) {}
    ConcurrentHashMap<Address, Seen> cache = new ConcurrentHashMap<>();
    return consumer -> {
      Instant now = clock.instant();
      Seen seen = cache.get(consumer);
      if (seen == null || seen.at().plus(ttl).isBefore(now)) {
        try {
          seen = new Seen(channels.depositOf(consumer), now);
          cache.put(consumer, seen);
        } catch (io.verinfer.chain.tx.ChainException e) {
          if (seen == null) {
            throw e;
          }
        }
      }
      return seen.amount();
    };
  }
}
