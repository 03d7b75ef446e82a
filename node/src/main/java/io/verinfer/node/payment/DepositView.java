package io.verinfer.node.payment;

import io.verinfer.chain.facade.PaymentChannelsFacade;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a consumer may still spend on-chain, as the payment gate sees it: its deposit minus a
 * pending withdrawal that has not lapsed ({@code PaymentChannels.spendableOf}). Counting a pending
 * withdrawal against the credit admitted is what makes a matured withdrawal useless to an attacker
 * (issue 12, finding 2): credit is only ever admitted against money no withdrawal can take within
 * the withdraw delay.
 */
public interface DepositView {
  TokenAmount depositOf(Address consumer);

  /**
   * Reads {@code PaymentChannels.spendableOf}, caching each answer for {@code ttl} so a burst of
   * calls costs one RPC. What is spendable only shrinks through redemptions (which the node itself
   * makes) or a withdrawal request (which waits out the withdraw delay, and which the node's {@link
   * WithdrawalWatcher} answers by settling at once), so a short-lived cache is safe. When the chain
   * cannot be reached the last answer stands (the node keeps serving through an RPC outage, bounded
   * by what it saw; a withdrawal cannot mature faster than the delay); with no answer yet the read
   * fails.
   */
  static DepositView cached(PaymentChannelsFacade channels, Duration ttl, Clock clock) {
    record Seen(TokenAmount amount, Instant at) {}
    ConcurrentHashMap<Address, Seen> cache = new ConcurrentHashMap<>();
    return consumer -> {
      Instant now = clock.instant();
      Seen seen = cache.get(consumer);
      if (seen == null || seen.at().plus(ttl).isBefore(now)) {
        try {
          seen = new Seen(channels.spendableOf(consumer), now);
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
