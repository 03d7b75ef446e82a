package io.verinfer.client;

import io.verinfer.protocol.SignedVoucher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's lanes in memory, loaded from the {@link LaneStore} on first use and saved behind the
 * calls by one writer thread: each save writes every lane that changed since the previous one in
 * one transaction, at most every {@link #SAVE_INTERVAL_MILLIS} ms, so a busy client pays for one
 * durable write per interval, not per call. What a crash loses in that interval the client relearns
 * from its providers (see {@link LaneStore}).
 */
final class ClientLanes implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClientLanes.class);

  /** The shortest time between two saves. */
  static final long SAVE_INTERVAL_MILLIS = 20;

  private final LaneStore store;
  private final Map<LaneKey, ClientLane> lanes = new ConcurrentHashMap<>();
  private final Queue<ClientLane> changed = new ConcurrentLinkedQueue<>();
  private final Object signal = new Object();
  private boolean pending;
  private boolean closing;
  private final Thread writer;

  ClientLanes(LaneStore store) {
    this.store = store;
    this.writer = Thread.ofPlatform().name("lane-store-writer").daemon().start(this::writeLoop);
  }

  ClientLane get(LaneKey key) {
    return lanes.computeIfAbsent(key, k -> new ClientLane(k, store.newest(k)));
  }

  /** Queues {@code lane} to be saved (call when one of its methods returned true). */
  void changed(ClientLane lane) {
    changed.add(lane);
    synchronized (signal) {
      pending = true;
      signal.notifyAll();
    }
  }

  /** Vouchers whose call got no answer, kept to be sent again, of every lane. */
  List<SignedVoucher> outstanding() {
    List<SignedVoucher> out = new ArrayList<>();
    lanes.values().forEach(l -> out.addAll(l.outstanding()));
    return out;
  }

  /** Saves every changed lane now. */
  void flush() {
    List<SignedVoucher> batch = new ArrayList<>();
    for (ClientLane lane; (lane = changed.poll()) != null; ) {
      lane.takeDirty().ifPresent(batch::add);
    }
    try {
      store.saveAll(batch);
    } catch (RuntimeException e) {
      // the providers still hold what was signed: a restarted client relearns it from them
      LOG.error("saving {} lanes to {} failed", batch.size(), store, e);
    }
  }

  private void writeLoop() {
    while (true) {
      synchronized (signal) {
        while (!pending && !closing) {
          try {
            signal.wait();
          } catch (InterruptedException e) {
            // only close() ends the loop
          }
        }
        if (!pending) {
          return;
        }
        pending = false;
      }
      flush();
      synchronized (signal) {
        long until = System.nanoTime() + SAVE_INTERVAL_MILLIS * 1_000_000;
        for (long left; !closing && (left = until - System.nanoTime()) > 0; ) {
          try {
            signal.wait(Math.max(1, left / 1_000_000));
          } catch (InterruptedException e) {
            // only close() ends the loop
          }
        }
      }
    }
  }

  @Override
  public void close() {
    synchronized (signal) {
      closing = true;
      signal.notifyAll();
    }
    try {
      writer.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    flush();
  }
}
