package io.verinfer.node.ledger;

import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Signature;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import java.math.BigInteger;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link VoucherLedger} in SQLite with write-ahead logging and {@code synchronous=FULL}, group
 * committed: lane states live in memory, every change is queued to one writer thread, which writes
 * all changes queued meanwhile in one transaction (one {@code fsync}) and only then releases the
 * callers waiting in {@link #serve}. Concurrent calls therefore share the cost of the durable write
 * instead of queueing for one each. Amounts are stored as decimal strings (they are uint128
 * on-chain, beyond SQLite's 64-bit integers).
 */
public final class SqliteVoucherLedger implements VoucherLedger {
  private static final Logger LOG = LoggerFactory.getLogger(SqliteVoucherLedger.class);

  private final Path file;
  private final Connection db;
  private final Map<Lane, LaneRecord> lanes = new ConcurrentHashMap<>();
  private final Map<Address, TokenAmount> unredeemedByConsumer = new ConcurrentHashMap<>();
  private final ReentrantLock changes = new ReentrantLock();
  private final BlockingQueue<Write> queue = new LinkedBlockingQueue<>();
  private final Thread writer;
  private volatile Throwable failure;
  private PreparedStatement upsert;
  private final java.util.concurrent.atomic.AtomicLong commits =
      new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong committedChanges =
      new java.util.concurrent.atomic.AtomicLong();
  private volatile boolean closed;

  /** A lane state to write; the one with a null state stops the writer. */
  private record Write(LaneRecord state, CompletableFuture<Void> done) {}

  public SqliteVoucherLedger(Path file) {
    this.file = file;
    try {
      db = io.verinfer.node.storage.SqliteFiles.openDurable(file);
      try (Statement s = db.createStatement()) {
        s.execute(
            "CREATE TABLE IF NOT EXISTS lanes ("
                + " consumer TEXT NOT NULL, provider TEXT NOT NULL, model_id INTEGER NOT NULL,"
                + " amount TEXT NOT NULL, calls INTEGER NOT NULL, r TEXT NOT NULL, vs TEXT NOT NULL,"
                + " redeemed_amount TEXT NOT NULL DEFAULT '0', redeemed_calls INTEGER NOT NULL DEFAULT 0,"
                + " gaps TEXT NOT NULL DEFAULT '',"
                + " PRIMARY KEY (consumer, provider, model_id))");
        if (!hasColumn(s, "gaps")) { // a ledger written before lanes had windows
          s.execute("ALTER TABLE lanes ADD COLUMN gaps TEXT NOT NULL DEFAULT ''");
        }
      }
      db.setAutoCommit(false);
      load();
    } catch (SQLException | java.io.IOException e) {
      throw new IllegalStateException("cannot open the voucher ledger at " + file, e);
    }
    writer = Thread.ofPlatform().name("voucher-ledger-writer").daemon().start(this::writeLoop);
  }

  /** How many transactions the writer committed. */
  public long commits() {
    return commits.get();
  }

  /** How many lane changes those transactions carried (changes per commit = group size). */
  public long committedChanges() {
    return committedChanges.get();
  }

  @Override
  public LaneRecord lane(Lane lane) {
    return lanes.getOrDefault(lane, LaneRecord.empty(lane));
  }

  @Override
  public LaneRecord serve(SignedVoucher voucher, TokenAmount price) {
    Lane lane = Lane.of(voucher.voucher());
    return change(lane, old -> old.serve(voucher, price));
  }

  @Override
  public LaneRecord pay(SignedVoucher voucher) {
    return change(Lane.of(voucher.voucher()), old -> old.pay(voucher));
  }

  @Override
  public Queued payQueued(SignedVoucher voucher) {
    return queue(Lane.of(voucher.voucher()), old -> old.pay(voucher));
  }

  @Override
  public void markRedeemed(Lane lane, TokenAmount amount, long calls) {
    if (lanes.containsKey(lane)) {
      change(lane, old -> old.redeemed(amount, calls));
    }
  }

  @Override
  public TokenAmount unredeemedBy(Address consumer) {
    return unredeemedByConsumer.getOrDefault(consumer, TokenAmount.ZERO);
  }

  @Override
  public List<LaneRecord> pending() {
    return lanes.values().stream().filter(LaneRecord::pending).collect(Collectors.toList());
  }

  /** Applies {@code step} to the lane's state in memory, queues the write and waits for it. */
  private LaneRecord change(Lane lane, java.util.function.UnaryOperator<LaneRecord> step) {
    return queue(lane, step).awaitDurable();
  }

  /** Applies {@code step} to the lane's state in memory and queues the write. */
  private Queued queue(Lane lane, java.util.function.UnaryOperator<LaneRecord> step) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    LaneRecord next;
    changes.lock();
    try {
      requireOpen();
      LaneRecord old = lane(lane);
      next = step.apply(old); // may refuse: nothing changed
      if (next.equals(old)) {
        return new Queued(next, CompletableFuture.completedFuture(null));
      }
      lanes.put(lane, next);
      unredeemedByConsumer.compute(
          lane.consumer(),
          (c, sum) ->
              (sum == null ? TokenAmount.ZERO : sum)
                  .minus(old.unredeemed())
                  .plus(next.unredeemed()));
      queue.add(new Write(next, done)); // queued under the lock: a lane's writes stay in order
    } finally {
      changes.unlock();
    }
    return new Queued(next, done);
  }

  static void awaitDurable(CompletableFuture<Void> done) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          done.get();
          return;
        } catch (InterruptedException e) {
          interrupted = true; // the write is queued either way; report only once it is decided
        } catch (ExecutionException e) {
          throw new IllegalStateException(
              "voucher ledger: the write failed: " + e.getCause().getMessage(), e.getCause());
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void requireOpen() {
    if (failure != null) {
      throw new IllegalStateException(
          "voucher ledger at " + file + " failed earlier: " + failure.getMessage(), failure);
    }
    if (closed) {
      throw new IllegalStateException("voucher ledger at " + file + " is closed");
    }
  }

  private void writeLoop() {
    List<Write> batch = new ArrayList<>();
    while (true) {
      batch.clear();
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        continue; // only close()'s stop marker ends the loop, so nothing queued is dropped
      }
      queue.drainTo(batch);
      boolean stop = batch.removeIf(w -> w.state() == null);
      if (!batch.isEmpty()) {
        write(batch);
      }
      if (stop) {
        return;
      }
    }
  }

  private void write(List<Write> batch) {
    Map<Lane, LaneRecord> last = new LinkedHashMap<>();
    for (Write w : batch) {
      last.put(w.state().lane(), w.state()); // a later state of a lane includes the earlier ones
    }
    try {
      if (upsert == null) { // prepared once: only the writer thread uses it
        upsert =
            db.prepareStatement(
                "INSERT INTO lanes (consumer, provider, model_id, amount, calls, r, vs,"
                    + " redeemed_amount, redeemed_calls, gaps) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    + " ON CONFLICT (consumer, provider, model_id) DO UPDATE SET"
                    + " amount = excluded.amount, calls = excluded.calls, r = excluded.r,"
                    + " vs = excluded.vs, redeemed_amount = excluded.redeemed_amount,"
                    + " redeemed_calls = excluded.redeemed_calls, gaps = excluded.gaps");
      }
      PreparedStatement s = upsert;
      for (LaneRecord state : last.values()) {
        SignedVoucher newest = state.newest().orElseThrow();
        Voucher v = newest.voucher();
        s.setString(1, state.lane().consumer().value());
        s.setString(2, state.lane().provider().value());
        s.setLong(3, state.lane().modelId().value());
        s.setString(4, v.cumulativeAmount().baseUnits().toString());
        s.setLong(5, v.cumulativeCalls());
        s.setString(6, newest.signature().r().hex());
        s.setString(7, newest.signature().vs().hex());
        s.setString(8, state.redeemedAmount().baseUnits().toString());
        s.setLong(9, state.redeemedCalls());
        s.setString(10, encodeGaps(state.gaps()));
        s.addBatch();
      }
      s.executeBatch();
      db.commit(); // WAL + synchronous=FULL: on disk when this returns
      commits.incrementAndGet();
      committedChanges.addAndGet(batch.size());
      batch.forEach(w -> w.done().complete(null));
    } catch (SQLException | RuntimeException e) {
      LOG.error("voucher ledger at {}: writing {} lane states failed", file, last.size(), e);
      failure = e;
      try {
        db.rollback();
      } catch (SQLException r) {
        e.addSuppressed(r);
      }
      batch.forEach(w -> w.done().completeExceptionally(e));
    }
  }

  private void load() throws SQLException {
    try (Statement s = db.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT consumer, provider, model_id, amount, calls, r, vs, redeemed_amount,"
                    + " redeemed_calls, gaps FROM lanes")) {
      Map<Address, TokenAmount> sums = new HashMap<>();
      while (rs.next()) {
        Lane lane =
            new Lane(
                Address.of(rs.getString(1)),
                Address.of(rs.getString(2)),
                ModelId.of(rs.getLong(3)));
        Voucher v =
            new Voucher(
                lane.consumer(),
                lane.provider(),
                lane.modelId(),
                TokenAmount.of(new BigInteger(rs.getString(4))),
                rs.getLong(5));
        Signature sig =
            Signature.fromCompact(
                Bytes32.fromHex(rs.getString(6)), Bytes32.fromHex(rs.getString(7)));
        LaneRecord state =
            new LaneRecord(
                lane,
                new SignedVoucher(v, sig),
                decodeGaps(rs.getString(10)),
                TokenAmount.of(new BigInteger(rs.getString(8))),
                rs.getLong(9));
        lanes.put(lane, state);
        sums.merge(lane.consumer(), state.unredeemed(), TokenAmount::plus);
      }
      unredeemedByConsumer.putAll(sums);
    }
    db.commit();
  }

  private static boolean hasColumn(Statement s, String column) throws SQLException {
    try (ResultSet rs = s.executeQuery("PRAGMA table_info(lanes)")) {
      while (rs.next()) {
        if (column.equals(rs.getString("name"))) {
          return true;
        }
      }
      return false;
    }
  }

  static String encodeGaps(long[] gaps) {
    return Arrays.stream(gaps).mapToObj(Long::toString).collect(Collectors.joining(","));
  }

  static long[] decodeGaps(String text) {
    if (text == null || text.isEmpty()) {
      return new long[0];
    }
    return Arrays.stream(text.split(",")).mapToLong(Long::parseLong).toArray();
  }

  @Override
  public void close() {
    changes.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      queue.add(new Write(null, null));
    } finally {
      changes.unlock();
    }
    try {
      writer.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      if (upsert != null) {
        upsert.close();
      }
      db.close();
    } catch (SQLException e) {
      throw new IllegalStateException("closing the voucher ledger failed", e);
    }
  }
}
