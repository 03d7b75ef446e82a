package io.verinfer.node.work;

import io.verinfer.chain.CursorStore;
import io.verinfer.chain.LogWatcher;
import io.verinfer.chain.VerinferChain;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * A chain worker's own thread (the request watcher's, the committee duty's): the {@link LogWatcher}
 * that records the worker's events, and every poll interval a tick in which each open item takes a
 * few steps. An item whose step fails backs off, doubling from the poll interval up to {@link
 * #MAX_BACKOFF}; the others go on. Its own thread, so that a model run or a transaction waiting to
 * be mined holds up no other worker.
 */
public final class StepLoop implements AutoCloseable {
  /** Longest pause before retrying an item whose step failed, and between failing log polls. */
  public static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  private final Logger log;
  private final String name;
  private final Duration pollInterval;
  private final int maxStepsPerTick;
  private final Backoff backoff; // loop thread only
  private final ScheduledThreadPoolExecutor scheduler;
  private LogWatcher watcher;
  private volatile boolean closed;

  /**
   * @param log the worker's logger: the loop logs in the worker's name
   * @param threadName the thread's name; several nodes may share a JVM (the devnet runs three), so
   *     it says whose worker this is
   * @param name the worker's name in log lines: {@code "committee duty"}
   * @param maxStepsPerTick most steps one item takes per tick (each step that moves it on may be
   *     followed by another)
   */
  public StepLoop(
      Logger log, String threadName, String name, Duration pollInterval, int maxStepsPerTick) {
    this.log = Objects.requireNonNull(log, "log");
    this.name = Objects.requireNonNull(name, "name");
    this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
    this.maxStepsPerTick = maxStepsPerTick;
    this.backoff = new Backoff(pollInterval, MAX_BACKOFF);
    this.scheduler =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = Executors.defaultThreadFactory().newThread(r);
              t.setName(threadName);
              t.setDaemon(true);
              return t;
            });
    scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  /**
   * The log watcher that feeds this worker: the events of {@code contract} matching {@code topics},
   * once they are {@code confirmations} deep, from the deployment's first block (or the saved
   * cursor). It polls on the loop's thread at the loop's poll interval, backing off up to {@link
   * #MAX_BACKOFF}, and starts and stops with the loop.
   */
  public LogWatcher watch(
      VerinferChain chain,
      String contract,
      List<List<String>> topics,
      long confirmations,
      CursorStore cursor,
      LogWatcher.Handler handler) {
    if (watcher != null) {
      throw new IllegalStateException("the loop already has its log watcher");
    }
    LogWatcher.Config config =
        LogWatcher.Config.of(List.of(contract), topics, confirmations)
            .withStartBlock(chain.deployment().deployedAtBlock())
            .withTiming(pollInterval, MAX_BACKOFF);
    watcher = new LogWatcher(chain.web3j(), config, cursor, handler, scheduler);
    return watcher;
  }

  /** Starts the log watcher, then {@code tick} every poll interval; a failing tick is logged. */
  public void start(Runnable tick) {
    if (watcher != null) {
      watcher.start();
    }
    long pause = pollInterval.toMillis();
    scheduler.scheduleWithFixedDelay(
        () -> {
          try {
            tick.run();
          } catch (RuntimeException e) {
            log.warn("{} tick failed; trying again in {}", name, pollInterval, e);
          }
        },
        pause,
        pause,
        TimeUnit.MILLISECONDS);
  }

  /** Whether {@link #close()} was called: a tick stops at its next item. */
  public boolean closed() {
    return closed;
  }

  /**
   * Up to {@code maxStepsPerTick} steps of one item, each returning whether it moved the item on,
   * unless the item ({@code key}) is backing off; a failure is logged as "{@code <item>}: step
   * failed".
   *
   * @param item the item in log lines: {@code "request 7"}
   */
  public void step(String key, String item, BooleanSupplier step, Instant now) {
    attempt(
        key,
        item + ": step",
        () -> {
          // Bounded: each step either moves the item on or returns false.
          for (int i = 0; i < maxStepsPerTick && !closed; i++) {
            if (!step.getAsBoolean()) {
              break;
            }
          }
          return Boolean.TRUE;
        },
        now);
  }

  /**
   * What {@code call} returns, unless {@code key} is backing off after a failure (then empty); a
   * failure backs {@code key} off, is logged as "{@code <what>} failed", and returns empty.
   */
  public <T> Optional<T> attempt(String key, String what, Supplier<T> call, Instant now) {
    if (!backoff.due(key, now)) {
      return Optional.empty();
    }
    try {
      T result = call.get();
      backoff.succeeded(key);
      return Optional.of(result);
    } catch (RuntimeException e) {
      int failures = backoff.failed(key, now);
      log.warn(
          "{} failed ({} in a row), trying again in {}: {}",
          what,
          failures,
          backoff.pause(failures),
          e.toString());
      log.debug("{} failure", what, e);
      return Optional.empty();
    }
  }

  /**
   * Stops the log watcher and the ticks; a step in progress (a model run, a transaction waiting to
   * be mined) may finish first, for up to 30 seconds.
   */
  @Override
  public void close() {
    closed = true;
    if (watcher != null) {
      watcher.close();
    }
    scheduler.shutdown();
    try {
      if (!scheduler.awaitTermination(30, TimeUnit.SECONDS)) {
        scheduler.shutdownNow();
        scheduler.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      scheduler.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
