package io.verinfer.runtime.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.verinfer.protocol.Cid;
import io.verinfer.runtime.store.ModelStore;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ONNX Runtime sessions keyed by model CID, bounded by the model bytes they hold: the least
 * recently used idle sessions are closed when a load would exceed the budget. A session in use is
 * never closed under its user; it is closed when its last lease ends.
 */
final class SessionCache implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SessionCache.class);

  private static final class Entry {
    final Cid cid;
    final OrtSession session;
    final long bytes;
    int users;
    boolean evicted;

    Entry(Cid cid, OrtSession session, long bytes) {
      this.cid = cid;
      this.session = session;
      this.bytes = bytes;
    }
  }

  /** A session borrowed from the cache; close it to give it back. */
  final class Lease implements AutoCloseable {
    private final Entry entry;

    private Lease(Entry entry) {
      this.entry = entry;
    }

    OrtSession session() {
      return entry.session;
    }

    @Override
    public void close() {
      release(entry);
    }
  }

  private final OrtEnvironment env;
  private final ModelStore store;
  private final Supplier<OrtSession.SessionOptions> options;
  private final long budgetBytes;
  private final Map<Cid, Entry> lru = new LinkedHashMap<>(16, 0.75f, true);
  private final AtomicLong loads = new AtomicLong();
  private long usedBytes;

  SessionCache(
      OrtEnvironment env,
      ModelStore store,
      Supplier<OrtSession.SessionOptions> options,
      long budgetBytes) {
    this.env = env;
    this.store = store;
    this.options = options;
    this.budgetBytes = budgetBytes;
  }

  synchronized Lease acquire(Cid cid) throws IOException, OrtException {
    Entry entry = lru.get(cid);
    if (entry == null) {
      byte[] model = store.read(cid); // hash re-checked: a rotten blob is never loaded
      try (OrtSession.SessionOptions opts = options.get()) {
        entry = new Entry(cid, env.createSession(model, opts), model.length);
      }
      loads.incrementAndGet();
      lru.put(cid, entry);
      usedBytes += entry.bytes;
      evictIdleAbove(budgetBytes, entry);
      LOG.debug("loaded session {} ({} bytes, {} cached)", cid, entry.bytes, usedBytes);
    }
    entry.users++;
    return new Lease(entry);
  }

  /** How many times a session was created (tests watch evictions through it). */
  long loads() {
    return loads.get();
  }

  /** How many sessions are loaded now (in use or idle). */
  synchronized int size() {
    return lru.size();
  }

  /** The model bytes the loaded sessions account for (what the budget bounds). */
  synchronized long usedBytes() {
    return usedBytes;
  }

  synchronized boolean isCached(Cid cid) {
    return lru.containsKey(cid);
  }

  private void evictIdleAbove(long budget, Entry keep) {
    Iterator<Entry> it = lru.values().iterator();
    while (usedBytes > budget && it.hasNext()) {
      Entry candidate = it.next();
      if (candidate == keep) {
        continue;
      }
      it.remove();
      usedBytes -= candidate.bytes;
      candidate.evicted = true;
      if (candidate.users == 0) {
        closeQuietly(candidate);
      }
      LOG.debug("evicted session {}", candidate.cid);
    }
  }

  private synchronized void release(Entry entry) {
    entry.users--;
    if (entry.evicted && entry.users == 0) {
      closeQuietly(entry);
    }
  }

  private static void closeQuietly(Entry entry) {
    try {
      entry.session.close();
    } catch (OrtException e) {
      LOG.warn("closing session {} failed", entry.cid, e);
    }
  }

  @Override
  public synchronized void close() {
    for (Entry e : lru.values()) {
      e.evicted = true;
      if (e.users == 0) {
        closeQuietly(e);
      }
    }
    lru.clear();
    usedBytes = 0;
  }
}
