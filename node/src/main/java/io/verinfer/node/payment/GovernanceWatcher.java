package io.verinfer.node.payment;

import io.verinfer.chain.CursorStore;
import io.verinfer.chain.Deployment;
import io.verinfer.chain.LogWatcher;
import io.verinfer.chain.bindings.ProtocolParams;
import io.verinfer.chain.bindings.VerinferTimelock;
import io.verinfer.chain.gov.GovCalls;
import io.verinfer.chain.gov.GovParam;
import io.verinfer.protocol.Address;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.abi.EventEncoder;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.utils.Numeric;

/**
 * Follows governance so a running node adapts to it without a restart:
 *
 * <ul>
 *   <li>{@code ProtocolParams.ParamChanged} (an executed change): logged; a raised {@code
 *       minProviderStake} makes the node top its stake up at once, so it stays eligible for work
 *       and committees.
 *   <li>{@code VerinferTimelock.CallScheduled} (a passed proposal, waiting out its delay): logged
 *       in words; when it raises {@code protocolFeeBps}, the node redeems every lane it holds now,
 *       so work it already served settles under the fee in force when it served it.
 * </ul>
 */
public final class GovernanceWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GovernanceWatcher.class);

  private final LogWatcher watcher;
  private final String params;
  private final GovCalls calls;

  /** A {@code setProtocolFeeBps} call: its target and selector identify a scheduled fee change. */
  private final io.verinfer.chain.gov.GovAction feeCall;

  private final Runnable topUpStake;
  private final IntSupplier settleAll;
  private final Supplier<BigInteger> currentFeeBps;
  private final AtomicLong changesSeen = new AtomicLong();
  private final AtomicLong scheduledSeen = new AtomicLong();

  /**
   * @param topUpStake stakes up to the (new) minimum if short
   * @param settleAll redeems every lane held; returns how many
   * @param currentFeeBps reads the protocol fee in force
   */
  public GovernanceWatcher(
      Web3j web3j,
      Deployment deployment,
      long fromBlock,
      Runnable topUpStake,
      IntSupplier settleAll,
      Supplier<BigInteger> currentFeeBps,
      ScheduledExecutorService scheduler) {
    this.params = deployment.address("ProtocolParams").toLowerCase(java.util.Locale.ROOT);
    this.calls = new GovCalls(deployment);
    this.feeCall = calls.set(GovParam.PROTOCOL_FEE_BPS, BigInteger.ZERO);
    this.topUpStake = topUpStake;
    this.settleAll = settleAll;
    this.currentFeeBps = currentFeeBps;
    String changed = EventEncoder.encode(ProtocolParams.PARAMCHANGED_EVENT);
    String scheduled = EventEncoder.encode(VerinferTimelock.CALLSCHEDULED_EVENT);
    LogWatcher.Config config =
        LogWatcher.Config.of(
                List.of(
                    deployment.address("ProtocolParams"), deployment.address("VerinferTimelock")),
                List.of(List.of(changed, scheduled)),
                0)
            .withStartBlock(fromBlock)
            .withTiming(java.time.Duration.ofMillis(500), java.time.Duration.ofSeconds(10));
    this.watcher = new LogWatcher(web3j, config, CursorStore.inMemory(), this::onLog, scheduler);
  }

  public void start() {
    watcher.start();
  }

  /** Executed parameter changes seen since start. */
  public long changesSeen() {
    return changesSeen.get();
  }

  /** Timelock operations (calls of passed proposals) seen scheduled since start. */
  public long scheduledSeen() {
    return scheduledSeen.get();
  }

  private void onLog(Log log) {
    if (log.getAddress().toLowerCase(java.util.Locale.ROOT).equals(params)) {
      onChanged(ProtocolParams.getParamChangedEventFromLog(log));
    } else {
      onScheduled(VerinferTimelock.getCallScheduledEventFromLog(log));
    }
  }

  private void onChanged(ProtocolParams.ParamChangedEventResponse e) {
    String name = new String(e.name, StandardCharsets.US_ASCII).replace("\0", "");
    changesSeen.incrementAndGet();
    LOG.info("governance changed {} from {} to {}", name, e.oldValue, e.newValue);
    if (name.equals(GovParam.MIN_PROVIDER_STAKE.key) && e.newValue.compareTo(e.oldValue) > 0) {
      topUpStake.run();
    }
  }

  private void onScheduled(VerinferTimelock.CallScheduledEventResponse e) {
    scheduledSeen.incrementAndGet();
    Address target = Address.of(e.target);
    String meaning = calls.decode(target, e.value, e.data);
    Instant eta = Instant.now().plusSeconds(e.delay.longValueExact());
    LOG.warn("governance scheduled: {} (executable from about {})", meaning, eta);
    BigInteger newFee = newProtocolFee(target, e.data);
    if (newFee != null && newFee.compareTo(currentFeeBps.get()) > 0) {
      int lanes = settleAll.getAsInt();
      LOG.warn(
          "a protocol fee rise to {} bps is scheduled: redeemed {} lanes under the current fee",
          newFee,
          lanes);
    }
  }

  /** The fee a {@code setProtocolFeeBps} call sets, or null for any other call. */
  private BigInteger newProtocolFee(Address target, byte[] data) {
    byte[] expected = feeCall.calldata();
    if (!target.equals(feeCall.target())
        || data.length != expected.length
        || !java.util.Arrays.equals(data, 0, 4, expected, 0, 4)) {
      return null;
    }
    return Numeric.toBigInt(data, 4, 32);
  }

  @Override
  public void close() {
    watcher.close();
  }
}
