package io.verinfer.node.disputes;

import io.verinfer.chain.CursorStore;
import io.verinfer.node.storage.SqliteState;
import io.verinfer.protocol.Bytes32;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * The committee duty's durable state in SQLite (write-ahead log, {@code synchronous=FULL}, one
 * transaction per change, like the voucher ledger): per dispute the state reached and, from the
 * moment they are chosen until the reveal, the vote and salt; and the event cursor. {@link
 * #saveVote} returns only once both are on disk, so a commit is sent only when a restarted node can
 * still reveal it. Used from one thread; methods are synchronized all the same.
 */
public final class SqliteDutyStore implements AutoCloseable {
  private final SqliteState db;

  public SqliteDutyStore(Path file) {
    db =
        SqliteState.open(
            file,
            "committee duty state",
            List.of(
                "CREATE TABLE IF NOT EXISTS duties ("
                    + " dispute_id INTEGER PRIMARY KEY, drawn_block INTEGER NOT NULL,"
                    + " state TEXT NOT NULL, vote INTEGER, salt TEXT, note TEXT)"));
  }

  /** Records a committee seat; returns false when the dispute was already known. */
  public synchronized boolean add(long disputeId, long drawnBlock) {
    return db.update(
            "INSERT OR IGNORE INTO duties (dispute_id, drawn_block, state) VALUES (?, ?, ?)",
            disputeId,
            drawnBlock,
            Duty.State.DRAWN.name())
        == 1;
  }

  public synchronized Optional<Duty> get(long disputeId) {
    List<Duty> found = query("WHERE dispute_id = ?", disputeId);
    return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
  }

  /** Duties with something left to do, oldest dispute first. */
  public synchronized List<Duty> open() {
    return query("WHERE state IN ('DRAWN', 'VOTED', 'COMMITTED', 'REVEALED') ORDER BY dispute_id");
  }

  /**
   * Stores the vote and salt of a drawn duty (state {@code VOTED}) durably.
   *
   * @throws IllegalStateException when the duty is not in state {@code DRAWN} (a vote is chosen
   *     once: a second salt would not match a commitment already sent)
   */
  public synchronized void saveVote(long disputeId, Duty.Secret secret) {
    int changed =
        db.update(
            "UPDATE duties SET state = ?, vote = ?, salt = ? WHERE dispute_id = ? AND state = ?",
            Duty.State.VOTED.name(),
            secret.vote(),
            secret.salt().hex(),
            disputeId,
            Duty.State.DRAWN.name());
    if (changed != 1) {
      throw new IllegalStateException(
          "dispute " + disputeId + " has no drawn duty to vote in (a vote is chosen once)");
    }
  }

  /**
   * Moves a duty on. The salt is dropped once the vote is revealed or can no longer be; the vote
   * stays.
   */
  public synchronized void advance(long disputeId, Duty.State state, String note) {
    boolean keepSalt = state == Duty.State.VOTED || state == Duty.State.COMMITTED;
    int changed =
        db.update(
            "UPDATE duties SET state = ?, note = ?"
                + (keepSalt ? "" : ", salt = NULL")
                + " WHERE dispute_id = ?",
            state.name(),
            note,
            disputeId);
    if (changed != 1) {
      throw new IllegalStateException("no duty for dispute " + disputeId);
    }
  }

  /** A durable {@link CursorStore} named {@code name} in this file. */
  public CursorStore cursor(String name) {
    return db.cursor(name);
  }

  private List<Duty> query(String where, Object... args) {
    return db.select(
        "SELECT dispute_id, drawn_block, state, vote, salt, note FROM duties " + where,
        SqliteDutyStore::read,
        args);
  }

  private static Duty read(ResultSet r) throws SQLException {
    int vote = r.getInt(4);
    boolean hasVote = !r.wasNull();
    String salt = r.getString(5);
    Duty.Secret secret =
        hasVote && salt != null ? new Duty.Secret(vote, Bytes32.fromHex(salt)) : null;
    return new Duty(
        r.getLong(1), r.getLong(2), Duty.State.valueOf(r.getString(3)), secret, r.getString(6));
  }

  @Override
  public synchronized void close() {
    db.close();
  }
}
