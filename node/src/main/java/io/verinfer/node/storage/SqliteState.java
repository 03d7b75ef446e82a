package io.verinfer.node.storage;

import io.verinfer.chain.CursorStore;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * One worker's SQLite state file (the request watcher's, the committee duty's): opened the durable
 * way ({@link SqliteFiles#openDurable}) with the worker's tables and a table of event cursors.
 * Every update is its own transaction (autocommit), so it is on disk when it returns. Errors name
 * what the file holds and where it is. One connection, one statement at a time: methods are
 * synchronized; a store that reads and then writes holds its own lock around both.
 */
public final class SqliteState implements AutoCloseable {
  /** Reads one row of a result. */
  @FunctionalInterface
  public interface Row<T> {
    T read(ResultSet r) throws SQLException;
  }

  private final Path file;
  private final String what;
  private final Connection db;

  private SqliteState(Path file, String what, Connection db) {
    this.file = file;
    this.what = what;
    this.db = db;
  }

  /**
   * Opens (creating it if needed) {@code file}, runs {@code schema} (statements that create what is
   * missing, so an existing file opens as it is) and creates the cursors table.
   *
   * @param what what the file holds, for errors: {@code "on-chain request state"}
   */
  public static SqliteState open(Path file, String what, List<String> schema) {
    Connection db;
    try {
      db = SqliteFiles.openDurable(file);
    } catch (SQLException | IOException e) {
      throw new IllegalStateException("cannot open the " + what + " at " + file, e);
    }
    try (Statement s = db.createStatement()) {
      for (String sql : schema) {
        s.execute(sql);
      }
      s.execute(
          "CREATE TABLE IF NOT EXISTS cursors ("
              + " name TEXT PRIMARY KEY, next_block INTEGER NOT NULL)");
    } catch (SQLException e) {
      try {
        db.close();
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new IllegalStateException("cannot open the " + what + " at " + file, e);
    }
    return new SqliteState(file, what, db);
  }

  /** The rows {@code sql} selects with {@code args} bound in order, each read by {@code row}. */
  public synchronized <T> List<T> select(String sql, Row<T> row, Object... args) {
    try (PreparedStatement q = db.prepareStatement(sql)) {
      bind(q, args);
      List<T> out = new ArrayList<>();
      try (ResultSet r = q.executeQuery()) {
        while (r.next()) {
          out.add(row.read(r));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the " + what + " in " + file, e);
    }
  }

  /** Runs {@code sql} with {@code args}; returns how many rows changed, durably once it returns. */
  public synchronized int update(String sql, Object... args) {
    try (PreparedStatement u = db.prepareStatement(sql)) {
      bind(u, args);
      return u.executeUpdate(); // autocommit: durable (synchronous=FULL) when it returns
    } catch (SQLException e) {
      throw new IllegalStateException("cannot write the " + what + " in " + file, e);
    }
  }

  /** A durable {@link CursorStore} named {@code name} in this file. */
  public CursorStore cursor(String name) {
    return new CursorStore() {
      @Override
      public OptionalLong load() {
        synchronized (SqliteState.this) {
          try (PreparedStatement q =
              db.prepareStatement("SELECT next_block FROM cursors WHERE name = ?")) {
            q.setString(1, name);
            try (ResultSet r = q.executeQuery()) {
              return r.next() ? OptionalLong.of(r.getLong(1)) : OptionalLong.empty();
            }
          } catch (SQLException e) {
            throw new IllegalStateException("cannot read cursor " + name + " in " + file, e);
          }
        }
      }

      @Override
      public void save(long nextBlock) {
        if (nextBlock < 0) {
          throw new IllegalArgumentException("nextBlock must be >= 0, got " + nextBlock);
        }
        update(
            "INSERT INTO cursors (name, next_block) VALUES (?, ?)"
                + " ON CONFLICT(name) DO UPDATE SET next_block = excluded.next_block",
            name,
            nextBlock);
      }
    };
  }

  /** Binds {@code args} in order; an enum constant is stored by its name. */
  private static void bind(PreparedStatement s, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      Object arg = args[i] instanceof Enum<?> e ? e.name() : args[i];
      s.setObject(i + 1, arg);
    }
  }

  @Override
  public synchronized void close() {
    try {
      db.close();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot close the " + what + " in " + file, e);
    }
  }
}
