package io.verinfer.chain;

import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.exceptions.ClientConnectionException;

/**
 * Polls {@code eth_getLogs} for a set of addresses and a topic filter and hands every matching log
 * to a {@link Handler}, in (block, logIndex) order, exactly once per watcher instance.
 *
 * <p>Each poll reads the head, then walks block ranges of at most {@link Config#maxRange()} blocks
 * from the cursor up to {@code head - confirmations}. A range is fetched whole before any of it is
 * delivered; the cursor advances, and is saved to the {@link CursorStore}, only after the handler
 * returned for every log of the range. A failed poll (I/O error, connection refused, timeout, a
 * JSON-RPC error from a restarting node, or a handler exception) is logged and retried with
 * exponential backoff capped at {@link Config#maxBackoff()}; logs already handed over in a
 * half-delivered range are skipped on the retry, so none is lost or repeated. After a process
 * restart the last unsaved range is delivered again: handlers that must be exactly-once across
 * restarts key their effects by (transaction hash, log index).
 *
 * <p>Reorgs: logs are delivered only once they are {@code confirmations} blocks deep, which is the
 * whole of the reorg handling. A reorg deeper than that is <em>not</em> detected: logs of the
 * abandoned branch stay delivered and logs of the new branch below the cursor are never seen.
 * Choose {@code confirmations} above the chain's practical reorg depth.
 */
public final class LogWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LogWatcher.class);
  private static final Comparator<Log> CHAIN_ORDER =
      Comparator.comparing(Log::getBlockNumber).thenComparing(Log::getLogIndex);

  /** Receives logs, one at a time, on the watcher's thread. */
  @FunctionalInterface
  public interface Handler {
    /** Called once per log; throwing makes the watcher retry from this log after a backoff. */
    void onLog(Log log);
  }

  /**
   * What to watch and how.
   *
   * @param addresses contract addresses to watch (at least one)
   * @param topics per topic position the accepted values; an empty list accepts any value
   * @param startBlock the first block to scan when the cursor store is empty
   * @param confirmations how many blocks a log's block must be below the head before delivery
   * @param maxRange the most blocks asked for in one {@code eth_getLogs} call
   * @param pollInterval the pause between successful polls, and the first retry delay
   * @param maxBackoff the longest pause between retries of a failing poll
   */
  public record Config(
      List<String> addresses,
      List<List<String>> topics,
      long startBlock,
      long confirmations,
      long maxRange,
      Duration pollInterval,
      Duration maxBackoff) {
    public Config {
      addresses = List.copyOf(addresses);
      topics = topics.stream().map(List::copyOf).toList();
      if (addresses.isEmpty()) {
        throw new IllegalArgumentException("addresses must name at least one contract");
      }
      if (startBlock < 0) {
        throw new IllegalArgumentException("startBlock must be >= 0, got " + startBlock);
      }
      if (confirmations < 0) {
        throw new IllegalArgumentException("confirmations must be >= 0, got " + confirmations);
      }
      if (maxRange < 1) {
        throw new IllegalArgumentException("maxRange must be >= 1, got " + maxRange);
      }
      if (pollInterval.isNegative() || pollInterval.isZero()) {
        throw new IllegalArgumentException("pollInterval must be positive, got " + pollInterval);
      }
      if (maxBackoff.compareTo(pollInterval) < 0) {
        throw new IllegalArgumentException("maxBackoff must be >= pollInterval, got " + maxBackoff);
      }
    }

    /** From block 0, ranges of 2,000 blocks, polling every second, backing off up to 30 s. */
    public static Config of(
        Collection<String> addresses, List<List<String>> topics, long confirmations) {
      return new Config(
          List.copyOf(addresses),
          topics,
          0,
          confirmations,
          2_000,
          Duration.ofSeconds(1),
          Duration.ofSeconds(30));
    }

    public Config withStartBlock(long block) {
      return new Config(
          addresses, topics, block, confirmations, maxRange, pollInterval, maxBackoff);
    }

    public Config withMaxRange(long blocks) {
      return new Config(
          addresses, topics, startBlock, confirmations, blocks, pollInterval, maxBackoff);
    }

    public Config withTiming(Duration pollInterval, Duration maxBackoff) {
      return new Config(
          addresses, topics, startBlock, confirmations, maxRange, pollInterval, maxBackoff);
    }
  }

  private final Web3j web3j;
  private final Config config;
  private final CursorStore cursorStore;
  private final Handler handler;
  private final ScheduledExecutorService scheduler;
  private final Object scheduleLock = new Object();
  private final AtomicLong failedPolls = new AtomicLong();
  private final AtomicLong consecutiveFailures = new AtomicLong();
  private volatile boolean closed;
  private ScheduledFuture<?> nextRun; // guarded by scheduleLock
  private long nextBlock = -1; // guarded by this; -1 until loaded from the store
  private Log lastDelivered; // guarded by this

  public LogWatcher(
      Web3j web3j,
      Config config,
      CursorStore cursorStore,
      Handler handler,
      ScheduledExecutorService scheduler) {
    this.web3j = Objects.requireNonNull(web3j, "web3j");
    this.config = Objects.requireNonNull(config, "config");
    this.cursorStore = Objects.requireNonNull(cursorStore, "cursorStore");
    this.handler = Objects.requireNonNull(handler, "handler");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
  }

  /** Starts polling on the injected scheduler; failures are retried until {@link #close()}. */
  public void start() {
    synchronized (scheduleLock) {
      if (nextRun != null) {
        throw new IllegalStateException("LogWatcher already started");
      }
      schedule(Duration.ZERO);
    }
  }

  /**
   * Delivers every confirmed log from the cursor to {@code head - confirmations}.
   *
   * @return how many logs were handed to the handler
   * @throws IOException if the node could not be reached or answered with an error; nothing past
   *     the last completed range is lost, the next call resumes there
   */
  public synchronized int pollOnce() throws IOException {
    if (nextBlock < 0) {
      nextBlock = cursorStore.load().orElse(config.startBlock());
    }
    long head = rpc("eth_blockNumber", web3j.ethBlockNumber()::send).getBlockNumber().longValue();
    long target = head - config.confirmations();
    int delivered = 0;
    // Bounded: nextBlock strictly grows towards the fixed target.
    while (nextBlock <= target && !closed) {
      long to = Math.min(target, nextBlock + config.maxRange() - 1);
      delivered += deliver(fetch(nextBlock, to));
      cursorStore.save(to + 1);
      nextBlock = to + 1;
    }
    return delivered;
  }

  /** The next block this watcher will scan. */
  public synchronized long nextBlock() {
    return nextBlock < 0 ? cursorStore.load().orElse(config.startBlock()) : nextBlock;
  }

  /** How many polls have failed since this watcher was created; for metrics and tests. */
  public long failedPolls() {
    return failedPolls.get();
  }

  /** Stops polling and waits for a poll in progress to finish. The scheduler is left running. */
  @Override
  public void close() {
    closed = true;
    synchronized (scheduleLock) {
      if (nextRun != null) {
        nextRun.cancel(false);
      }
    }
    synchronized (this) {
      // Entering the monitor waits out a running pollOnce.
    }
  }

  private void runScheduled() {
    if (closed) {
      return;
    }
    Duration delay = config.pollInterval();
    try {
      pollOnce();
    } catch (IOException | RuntimeException e) {
      long failures = failedPolls.incrementAndGet();
      delay = backoff(consecutiveFailures.incrementAndGet());
      LOG.warn(
          "log poll failed at block {} ({} failures so far), retrying in {}: {}",
          nextBlock(),
          failures,
          delay,
          e.toString());
      LOG.debug("log poll failure", e);
      schedule(delay);
      return;
    }
    consecutiveFailures.set(0);
    schedule(delay);
  }

  private Duration backoff(long failures) {
    long factor = 1L << Math.min(failures - 1, 20);
    Duration delay = config.pollInterval().multipliedBy(factor);
    return delay.compareTo(config.maxBackoff()) > 0 ? config.maxBackoff() : delay;
  }

  private void schedule(Duration delay) {
    synchronized (scheduleLock) {
      if (closed) {
        return;
      }
      try {
        nextRun = scheduler.schedule(this::runScheduled, delay.toMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        LOG.warn("log watcher stops: its scheduler no longer accepts work", e);
      }
    }
  }

  private List<Log> fetch(long from, long to) throws IOException {
    EthFilter filter =
        new EthFilter(
            DefaultBlockParameter.valueOf(BigInteger.valueOf(from)),
            DefaultBlockParameter.valueOf(BigInteger.valueOf(to)),
            config.addresses());
    for (List<String> position : config.topics()) {
      if (position.isEmpty()) {
        filter.addNullTopic();
      } else {
        filter.addOptionalTopics(position.toArray(String[]::new));
      }
    }
    EthLog response = rpc("eth_getLogs [" + from + ".." + to + "]", web3j.ethGetLogs(filter)::send);
    List<Log> logs = new ArrayList<>();
    for (EthLog.LogResult<?> result : response.getLogs()) {
      if (result.get() instanceof Log log && log.getBlockNumber() != null) {
        logs.add(log);
      }
    }
    logs.sort(CHAIN_ORDER);
    return logs;
  }

  private int deliver(List<Log> logs) {
    int delivered = 0;
    for (Log log : logs) {
      if (lastDelivered != null && CHAIN_ORDER.compare(log, lastDelivered) <= 0) {
        continue; // handed over before a failure part-way through this range
      }
      handler.onLog(log);
      lastDelivered = log;
      delivered++;
    }
    return delivered;
  }

  @FunctionalInterface
  private interface RpcCall<R> {
    R send() throws IOException;
  }

  private static <R extends Response<?>> R rpc(String what, RpcCall<R> call) throws IOException {
    R response;
    try {
      response = call.send();
    } catch (ClientConnectionException e) {
      throw new IOException(what + " failed: " + e.getMessage(), e);
    }
    if (response.hasError()) {
      Response.Error error = response.getError();
      throw new IOException(
          what + " failed: JSON-RPC error " + error.getCode() + ": " + error.getMessage());
    }
    return response;
  }
}
