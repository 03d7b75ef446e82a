package io.verinfer.node.payment;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.facade.PaymentChannelsFacade;
import io.verinfer.chain.facade.PaymentChannelsFacade.LaneState;
import io.verinfer.node.ledger.Lane;
import io.verinfer.node.ledger.VoucherLedger;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redeems the ledger's vouchers on-chain in batches: a lane is due when its unredeemed value passes
 * {@link Policy#maxUnredeemed()} or it has waited {@link Policy#maxAge()}, and every lane of a
 * consumer is due at once when that consumer asks to withdraw ({@link #settleConsumer}). Before
 * sending, each lane is checked against the chain (already redeemed lanes are just marked) and
 * against the consumer's deposit (a lane the deposit cannot cover would revert the whole batch, so
 * it waits and is logged). An RPC failure leaves everything pending for the next round: nothing is
 * marked redeemed unless its batch was mined.
 */
public final class Settler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Settler.class);

  /** When lanes are due and how they are sent. */
  public record Policy(
      TokenAmount maxUnredeemed, Duration maxAge, int maxBatch, Duration interval) {
    public Policy {
      if (maxBatch < 1 || maxBatch > 256) {
        throw new IllegalArgumentException("maxBatch must be 1..256 (the contract's limit)");
      }
    }
  }

  private final VoucherLedger ledger;
  private final java.util.concurrent.atomic.AtomicLong redeemedLanes =
      new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong batches =
      new java.util.concurrent.atomic.AtomicLong();
  private final PaymentChannelsFacade channels;
  private final Policy policy;
  private final Clock clock;
  private final Map<Lane, Instant> pendingSince = new ConcurrentHashMap<>();
  private ScheduledFuture<?> task;

  public Settler(VoucherLedger ledger, PaymentChannelsFacade channels, Policy policy, Clock clock) {
    this.ledger = ledger;
    this.channels = channels;
    this.policy = policy;
    this.clock = clock;
  }

  /** Settles due lanes every {@link Policy#interval()} on {@code scheduler}. */
  public synchronized void start(ScheduledExecutorService scheduler) {
    long every = policy.interval().toMillis();
    task =
        scheduler.scheduleWithFixedDelay(
            this::settleDueQuietly, every, every, TimeUnit.MILLISECONDS);
  }

  private void settleDueQuietly() {
    try {
      settleDue();
    } catch (RuntimeException e) {
      LOG.warn("settlement round failed; lanes stay pending: {}", e.toString());
    }
  }

  /** Lanes redeemed on-chain since the node started. */
  public long redeemedLanes() {
    return redeemedLanes.get();
  }

  /** {@code redeemBatch} transactions sent since the node started. */
  public long batches() {
    return batches.get();
  }

  /** Settles the lanes that are due; returns how many lanes were redeemed. */
  public int settleDue() {
    Instant now = clock.instant();
    return settle(
        v -> {
          Lane lane = Lane.of(v.voucher());
          Instant since = pendingSince.computeIfAbsent(lane, l -> now);
          return ledger.unredeemed(lane).compareTo(policy.maxUnredeemed()) >= 0
              || !since.plus(policy.maxAge()).isAfter(now);
        });
  }

  /** Settles every pending lane. */
  public int settleAll() {
    return settle(v -> true);
  }

  /** Settles every lane of {@code consumer} now (its withdrawal is pending). */
  public int settleConsumer(Address consumer) {
    return settle(v -> v.voucher().consumer().equals(consumer));
  }

  private synchronized int settle(Predicate<SignedVoucher> due) {
    List<SignedVoucher> candidates = new ArrayList<>();
    Map<Address, TokenAmount> needed = new HashMap<>();
    for (SignedVoucher v : ledger.pending().stream().map(r -> r.newest().orElseThrow()).toList()) {
      if (!due.test(v)) {
        continue;
      }
      Voucher voucher = v.voucher();
      Lane lane = Lane.of(voucher);
      LaneState onChain =
          channels.laneOf(voucher.consumer(), voucher.provider(), voucher.modelId());
      if (onChain.calls() >= voucher.cumulativeCalls()
          && onChain.amount().compareTo(voucher.cumulativeAmount()) >= 0) {
        ledger.markRedeemed(lane, onChain.amount(), onChain.calls()); // someone redeemed it already
        pendingSince.remove(lane);
        continue;
      }
      TokenAmount delta = voucher.cumulativeAmount().minus(onChain.amount());
      TokenAmount total = needed.getOrDefault(voucher.consumer(), TokenAmount.ZERO).plus(delta);
      TokenAmount deposit = channels.depositOf(voucher.consumer());
      if (total.compareTo(deposit) > 0) {
        LOG.warn(
            "lane {} needs {} but consumer {} has {} left: held back",
            lane,
            delta,
            voucher.consumer(),
            deposit);
        continue;
      }
      needed.put(voucher.consumer(), total);
      candidates.add(v);
    }
    // one model and one consumer after another: the contract shares writes between neighbours
    candidates.sort(
        Comparator.comparingLong((SignedVoucher v) -> v.voucher().modelId().value())
            .thenComparing(v -> v.voucher().consumer().value()));
    int redeemed = 0;
    for (int i = 0; i < candidates.size(); i += policy.maxBatch()) {
      List<SignedVoucher> batch =
          candidates.subList(i, Math.min(candidates.size(), i + policy.maxBatch()));
      try {
        channels.redeemBatch(batch);
      } catch (ContractRevertException e) {
        LOG.warn(
            "redeemBatch of {} lanes reverted ({}); retrying them next round",
            batch.size(),
            e.getMessage());
        continue;
      }
      for (SignedVoucher v : batch) {
        Lane lane = Lane.of(v.voucher());
        ledger.markRedeemed(lane, v.voucher().cumulativeAmount(), v.voucher().cumulativeCalls());
        pendingSince.remove(lane);
      }
      redeemed += batch.size();
      redeemedLanes.addAndGet(batch.size());
      batches.incrementAndGet();
      LOG.info("redeemed {} lanes", batch.size());
    }
    return redeemed;
  }

  @Override
  public synchronized void close() {
    if (task != null) {
      task.cancel(false);
    }
  }
}
