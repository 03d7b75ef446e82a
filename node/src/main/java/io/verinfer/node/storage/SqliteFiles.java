package io.verinfer.node.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/** The node's SQLite files: opened the one durable way. */
public final class SqliteFiles {
  private SqliteFiles() {}

  /**
   * Opens (creating it and its directory if needed) {@code file} in WAL mode with {@code
   * synchronous=FULL}: a committed transaction survives a crash of the process or the machine.
   */
  public static Connection openDurable(Path file) throws IOException, SQLException {
    Path dir = file.toAbsolutePath().getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
    try (Statement s = db.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=FULL");
      s.execute("PRAGMA busy_timeout=5000");
    } catch (SQLException e) {
      db.close();
      throw e;
    }
    return db;
  }
}
