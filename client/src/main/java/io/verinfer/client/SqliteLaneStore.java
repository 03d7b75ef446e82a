package io.verinfer.client;

import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Signature;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@link LaneStore} in one SQLite file with write-ahead logging and {@code synchronous=FULL}: a
 * saved entry is on disk before {@link #save} returns, so it survives a crash or {@code kill -9}.
 * Amounts are stored as decimal strings (they are uint128 on-chain, beyond SQLite's integers).
 */
public final class SqliteLaneStore implements LaneStore {
  private static final String SELECT =
      "SELECT consumer, provider, model_id, amount, calls, r, vs, held_amount, held_calls"
          + " FROM lanes";

  private final Path file;
  private final Connection db;
  private final ReentrantLock lock = new ReentrantLock();

  /** Opens (creating if needed) the store in {@code file}. */
  public SqliteLaneStore(Path file) {
    this.file = file.toAbsolutePath();
    try {
      Path dir = this.file.getParent();
      if (dir != null) {
        Files.createDirectories(dir);
      }
      db = DriverManager.getConnection("jdbc:sqlite:" + this.file);
      try (Statement s = db.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=FULL");
        s.execute("PRAGMA busy_timeout=5000");
        s.execute(
            "CREATE TABLE IF NOT EXISTS lanes ("
                + " consumer TEXT NOT NULL, provider TEXT NOT NULL, model_id INTEGER NOT NULL,"
                + " amount TEXT NOT NULL, calls INTEGER NOT NULL, r TEXT NOT NULL, vs TEXT NOT NULL,"
                + " held_amount TEXT NOT NULL, held_calls INTEGER NOT NULL,"
                + " PRIMARY KEY (consumer, provider, model_id))");
      }
    } catch (SQLException | IOException e) {
      throw new IllegalStateException("cannot open the lane store at " + this.file, e);
    }
  }

  @Override
  public Optional<LaneEntry> find(LaneKey lane) {
    return locked(() -> row(lane));
  }

  @Override
  public void save(LaneEntry entry) {
    locked(
        () -> {
          row(entry.lane()).ifPresent(old -> LaneStore.requireForward(old, entry));
          try (PreparedStatement s =
              db.prepareStatement(
                  "INSERT INTO lanes (consumer, provider, model_id, amount, calls, r, vs,"
                      + " held_amount, held_calls) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                      + " ON CONFLICT (consumer, provider, model_id) DO UPDATE SET"
                      + " amount = excluded.amount, calls = excluded.calls, r = excluded.r,"
                      + " vs = excluded.vs, held_amount = excluded.held_amount,"
                      + " held_calls = excluded.held_calls")) {
            Voucher v = entry.voucher().voucher();
            bindLane(s, entry.lane());
            s.setString(4, v.cumulativeAmount().baseUnits().toString());
            s.setLong(5, v.cumulativeCalls());
            s.setString(6, entry.voucher().signature().r().hex());
            s.setString(7, entry.voucher().signature().vs().hex());
            s.setString(8, entry.heldAmount().baseUnits().toString());
            s.setLong(9, entry.heldCalls());
            s.executeUpdate(); // autocommit: durable (WAL + synchronous=FULL) when this returns
          }
          return null;
        });
  }

  @Override
  public List<LaneEntry> unconfirmed() {
    return locked(
        () -> {
          List<LaneEntry> out = new ArrayList<>();
          try (Statement s = db.createStatement();
              ResultSet rs = s.executeQuery(SELECT)) {
            while (rs.next()) {
              LaneEntry entry = read(rs);
              if (!entry.confirmed()) {
                out.add(entry);
              }
            }
          }
          return out;
        });
  }

  @Override
  public void close() {
    try {
      db.close();
    } catch (SQLException e) {
      throw new IllegalStateException("closing the lane store at " + file + " failed", e);
    }
  }

  @Override
  public String toString() {
    return "SqliteLaneStore[" + file + "]";
  }

  private Optional<LaneEntry> row(LaneKey lane) throws SQLException {
    try (PreparedStatement s =
        db.prepareStatement(SELECT + " WHERE consumer = ? AND provider = ? AND model_id = ?")) {
      bindLane(s, lane);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(read(rs)) : Optional.empty();
      }
    }
  }

  private static void bindLane(PreparedStatement s, LaneKey lane) throws SQLException {
    s.setString(1, lane.consumer().value());
    s.setString(2, lane.provider().value());
    s.setLong(3, lane.modelId().value());
  }

  private static LaneEntry read(ResultSet rs) throws SQLException {
    Voucher v =
        new Voucher(
            Address.of(rs.getString(1)),
            Address.of(rs.getString(2)),
            ModelId.of(rs.getLong(3)),
            TokenAmount.of(new BigInteger(rs.getString(4))),
            rs.getLong(5));
    Signature sig =
        Signature.fromCompact(Bytes32.fromHex(rs.getString(6)), Bytes32.fromHex(rs.getString(7)));
    return new LaneEntry(
        new SignedVoucher(v, sig), TokenAmount.of(new BigInteger(rs.getString(8))), rs.getLong(9));
  }

  private interface SqlWork<T> {
    T run() throws SQLException;
  }

  private <T> T locked(SqlWork<T> work) {
    lock.lock();
    try {
      return work.run();
    } catch (SQLException e) {
      throw new IllegalStateException("lane store " + file + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }
}
