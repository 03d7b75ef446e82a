package io.verinfer.node.payment;

import io.verinfer.chain.CursorStore;
import io.verinfer.chain.LogWatcher;
import io.verinfer.chain.bindings.PaymentChannels;
import io.verinfer.protocol.Address;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.abi.EventEncoder;
import org.web3j.protocol.Web3j;

/**
 * Watches {@code PaymentChannels.WithdrawalRequested} and settles that consumer's lanes at once, so
 * a withdrawal never matures over vouchers this node still holds. Uses the chain layer's {@link
 * LogWatcher}: logs arrive once {@code confirmations} deep and survive RPC outages.
 */
public final class WithdrawalWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WithdrawalWatcher.class);
  private final LogWatcher watcher;

  public WithdrawalWatcher(
      Web3j web3j,
      String paymentChannels,
      long fromBlock,
      long confirmations,
      Settler settler,
      ScheduledExecutorService scheduler) {
    String topic = EventEncoder.encode(PaymentChannels.WITHDRAWALREQUESTED_EVENT);
    LogWatcher.Config config =
        LogWatcher.Config.of(List.of(paymentChannels), List.of(List.of(topic)), confirmations)
            .withStartBlock(fromBlock)
            .withTiming(java.time.Duration.ofMillis(500), java.time.Duration.ofSeconds(10));
    this.watcher =
        new LogWatcher(
            web3j,
            config,
            CursorStore.inMemory(),
            log -> {
              Address consumer = Address.of("0x" + log.getTopics().get(1).substring(26));
              int lanes = settler.settleConsumer(consumer);
              LOG.info("consumer {} asked to withdraw: redeemed {} lanes", consumer, lanes);
            },
            scheduler);
  }

  public void start() {
    watcher.start();
  }

  @Override
  public void close() {
    watcher.close();
  }
}
