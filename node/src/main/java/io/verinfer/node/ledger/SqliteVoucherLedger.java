package io.verinfer.node.ledger;

import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Signature;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
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
 * {@link VoucherLedger} in SQLite with write-ahead logging and {@code synchronous=FULL}: a
 * committed voucher is on disk before {@link #accept} returns. Amounts are stored as decimal
 * strings (they are uint128 on-chain, beyond SQLite's 64-bit integers).
 */
public final class SqliteVoucherLedger implements VoucherLedger {
  private final Connection db;
  private final ReentrantLock lock = new ReentrantLock();

  public SqliteVoucherLedger(Path file) {
    try {
      Path dir = file.toAbsolutePath().getParent();
      if (dir != null) {
        Files.createDirectories(dir);
      }
      db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
      try (Statement s = db.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=FULL");
        s.execute("PRAGMA busy_timeout=5000");
        s.execute(
            "CREATE TABLE IF NOT EXISTS lanes ("
                + " consumer TEXT NOT NULL, provider TEXT NOT NULL, model_id INTEGER NOT NULL,"
                + " amount TEXT NOT NULL, calls INTEGER NOT NULL, r TEXT NOT NULL, vs TEXT NOT NULL,"
                + " redeemed_amount TEXT NOT NULL DEFAULT '0', redeemed_calls INTEGER NOT NULL DEFAULT 0,"
                + " PRIMARY KEY (consumer, provider, model_id))");
      }
    } catch (SQLException | java.io.IOException e) {
      throw new IllegalStateException("cannot open the voucher ledger at " + file, e);
    }
  }

  @Override
  public Optional<SignedVoucher> latest(Lane lane) {
    return locked(() -> row(lane).map(Row::voucher));
  }

  @Override
  public void accept(SignedVoucher voucher) {
    Voucher v = voucher.voucher();
    Lane lane = Lane.of(v);
    locked(
        () -> {
          // a lane starts at (0 calls, 0 amount), as it does on-chain
          Optional<Voucher> old = row(lane).map(r -> r.voucher().voucher());
          TokenAmount oldAmount = old.map(Voucher::cumulativeAmount).orElse(TokenAmount.ZERO);
          long oldCalls = old.map(Voucher::cumulativeCalls).orElse(0L);
          if (v.cumulativeAmount().compareTo(oldAmount) < 0 || v.cumulativeCalls() <= oldCalls) {
            throw new IllegalStateException(
                "voucher ("
                    + v.cumulativeAmount()
                    + ", "
                    + v.cumulativeCalls()
                    + " calls) is not"
                    + " newer than the lane's ("
                    + oldAmount
                    + ", "
                    + oldCalls
                    + " calls)");
          }
          try (PreparedStatement s =
              db.prepareStatement(
                  "INSERT INTO lanes (consumer, provider, model_id, amount, calls, r, vs)"
                      + " VALUES (?, ?, ?, ?, ?, ?, ?)"
                      + " ON CONFLICT (consumer, provider, model_id) DO UPDATE SET"
                      + " amount = excluded.amount, calls = excluded.calls,"
                      + " r = excluded.r, vs = excluded.vs")) {
            bindLane(s, lane);
            s.setString(4, v.cumulativeAmount().baseUnits().toString());
            s.setLong(5, v.cumulativeCalls());
            s.setString(6, voucher.signature().r().hex());
            s.setString(7, voucher.signature().vs().hex());
            s.executeUpdate(); // autocommit: durable (WAL + synchronous=FULL) when this returns
          }
          return null;
        });
  }

  @Override
  public TokenAmount unredeemed(Lane lane) {
    return locked(() -> row(lane).map(Row::unredeemed).orElse(TokenAmount.ZERO));
  }

  @Override
  public TokenAmount unredeemedBy(Address consumer) {
    return locked(
        () -> {
          TokenAmount sum = TokenAmount.ZERO;
          try (PreparedStatement s = db.prepareStatement(SELECT + " WHERE consumer = ?")) {
            s.setString(1, consumer.value());
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                sum = sum.plus(read(rs).unredeemed());
              }
            }
          }
          return sum;
        });
  }

  @Override
  public void markRedeemed(Lane lane, TokenAmount amount, long calls) {
    locked(
        () -> {
          try (PreparedStatement s =
              db.prepareStatement(
                  "UPDATE lanes SET redeemed_amount = ?, redeemed_calls = ?"
                      + " WHERE consumer = ? AND provider = ? AND model_id = ?")) {
            s.setString(1, amount.baseUnits().toString());
            s.setLong(2, calls);
            s.setString(3, lane.consumer().value());
            s.setString(4, lane.provider().value());
            s.setLong(5, lane.modelId().value());
            s.executeUpdate();
          }
          return null;
        });
  }

  @Override
  public List<SignedVoucher> pending() {
    return locked(
        () -> {
          List<SignedVoucher> out = new ArrayList<>();
          try (Statement s = db.createStatement();
              ResultSet rs = s.executeQuery(SELECT)) {
            while (rs.next()) {
              Row row = read(rs);
              if (!row.unredeemed().isZero()
                  || row.voucher().voucher().cumulativeCalls() > row.redeemedCalls()) {
                out.add(row.voucher());
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
      throw new IllegalStateException("closing the voucher ledger failed", e);
    }
  }

  private static final String SELECT =
      "SELECT consumer, provider, model_id, amount, calls, r, vs, redeemed_amount, redeemed_calls"
          + " FROM lanes";

  private record Row(SignedVoucher voucher, TokenAmount redeemed, long redeemedCalls) {
    TokenAmount unredeemed() {
      TokenAmount amount = voucher.voucher().cumulativeAmount();
      return amount.compareTo(redeemed) > 0 ? amount.minus(redeemed) : TokenAmount.ZERO;
    }
  }

  private Optional<Row> row(Lane lane) throws SQLException {
    try (PreparedStatement s =
        db.prepareStatement(SELECT + " WHERE consumer = ? AND provider = ? AND model_id = ?")) {
      bindLane(s, lane);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(read(rs)) : Optional.empty();
      }
    }
  }

  private static void bindLane(PreparedStatement s, Lane lane) throws SQLException {
    s.setString(1, lane.consumer().value());
    s.setString(2, lane.provider().value());
    s.setLong(3, lane.modelId().value());
  }

  private static Row read(ResultSet rs) throws SQLException {
    Voucher v =
        new Voucher(
            Address.of(rs.getString(1)),
            Address.of(rs.getString(2)),
            ModelId.of(rs.getLong(3)),
            TokenAmount.of(new BigInteger(rs.getString(4))),
            rs.getLong(5));
    Signature sig =
        Signature.fromCompact(Bytes32.fromHex(rs.getString(6)), Bytes32.fromHex(rs.getString(7)));
    return new Row(
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
      throw new IllegalStateException("voucher ledger: " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }
}
