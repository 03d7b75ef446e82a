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
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@link LaneStore} in one SQLite file with write-ahead logging and {@code synchronous=FULL}: what
 * {@link #saveAll} saved is on disk when it returns, so it survives a crash or {@code kill -9}.
 * Amounts are stored as decimal strings (they are uint128 on-chain, beyond SQLite's integers).
 */
public final class SqliteLaneStore implements LaneStore {
  private static final String SELECT =
      "SELECT consumer, provider, model_id, amount, calls, r, vs FROM signed_lanes";

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
            "CREATE TABLE IF NOT EXISTS signed_lanes ("
                + " consumer TEXT NOT NULL, provider TEXT NOT NULL, model_id INTEGER NOT NULL,"
                + " amount TEXT NOT NULL, calls INTEGER NOT NULL, r TEXT NOT NULL, vs TEXT NOT NULL,"
                + " PRIMARY KEY (consumer, provider, model_id))");
      }
      db.setAutoCommit(false);
    } catch (SQLException | IOException e) {
      throw new IllegalStateException("cannot open the lane store at " + this.file, e);
    }
  }

  @Override
  public Optional<SignedVoucher> newest(LaneKey lane) {
    return locked(
        () -> {
          try (PreparedStatement s =
              db.prepareStatement(
                  SELECT + " WHERE consumer = ? AND provider = ? AND model_id = ?")) {
            s.setString(1, lane.consumer().value());
            s.setString(2, lane.provider().value());
            s.setLong(3, lane.modelId().value());
            try (ResultSet rs = s.executeQuery()) {
              Optional<SignedVoucher> found = rs.next() ? Optional.of(read(rs)) : Optional.empty();
              db.commit();
              return found;
            }
          }
        });
  }

  @Override
  public void saveAll(Collection<SignedVoucher> vouchers) {
    if (vouchers.isEmpty()) {
      return;
    }
    locked(
        () -> {
          try (PreparedStatement s =
              db.prepareStatement(
                  "INSERT INTO signed_lanes (consumer, provider, model_id, amount, calls, r, vs)"
                      + " VALUES (?, ?, ?, ?, ?, ?, ?)"
                      + " ON CONFLICT (consumer, provider, model_id) DO UPDATE SET"
                      + " amount = excluded.amount, calls = excluded.calls, r = excluded.r,"
                      + " vs = excluded.vs WHERE excluded.calls > signed_lanes.calls")) {
            for (SignedVoucher signed : vouchers) {
              Voucher v = signed.voucher();
              s.setString(1, v.consumer().value());
              s.setString(2, v.provider().value());
              s.setLong(3, v.modelId().value());
              s.setString(4, v.cumulativeAmount().baseUnits().toString());
              s.setLong(5, v.cumulativeCalls());
              s.setString(6, signed.signature().r().hex());
              s.setString(7, signed.signature().vs().hex());
              s.addBatch();
            }
            s.executeBatch();
            db.commit(); // WAL + synchronous=FULL: on disk when this returns
          } catch (SQLException e) {
            db.rollback();
            throw e;
          }
          return null;
        });
  }

  @Override
  public List<SignedVoucher> all() {
    return locked(
        () -> {
          List<SignedVoucher> out = new ArrayList<>();
          try (Statement s = db.createStatement();
              ResultSet rs = s.executeQuery(SELECT)) {
            while (rs.next()) {
              out.add(read(rs));
            }
          }
          db.commit();
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

  private static SignedVoucher read(ResultSet rs) throws SQLException {
    Voucher v =
        new Voucher(
            Address.of(rs.getString(1)),
            Address.of(rs.getString(2)),
            ModelId.of(rs.getLong(3)),
            TokenAmount.of(new BigInteger(rs.getString(4))),
            rs.getLong(5));
    Signature sig =
        Signature.fromCompact(Bytes32.fromHex(rs.getString(6)), Bytes32.fromHex(rs.getString(7)));
    return new SignedVoucher(v, sig);
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
