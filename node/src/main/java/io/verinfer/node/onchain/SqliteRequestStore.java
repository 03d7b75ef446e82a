package io.verinfer.node.onchain;

import io.verinfer.chain.CursorStore;
import io.verinfer.node.storage.SqliteFiles;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The request watcher's durable state in SQLite (write-ahead log, {@code synchronous=FULL}, one
 * transaction per change, like the voucher ledger): every request assigned to this node with its
 * event, its state and its fulfilment transaction; every optimistic answer it proposed with its
 * event and its settle transaction; and the event cursor. {@link #markSent} and {@link
 * #markSettleSent} return only once the transaction's hash is on disk, and the watcher broadcasts
 * only after they returned, so a restarted node knows every transaction that may have reached the
 * chain. Used from one thread; methods are synchronized all the same.
 */
final class SqliteRequestStore implements AutoCloseable {
  private static final String COLUMNS =
      "address, topics, data, event_tx, log_index, block, state, fulfil_tx, fulfil_nonce,"
          + " sent_at_ms, attempts, note";
  private static final String PROPOSAL_COLUMNS =
      "address, topics, data, event_tx, log_index, block, state, settle_tx, settle_nonce,"
          + " sent_at_ms, attempts, note";

  private interface Row<T> {
    T read(ResultSet r) throws SQLException;
  }

  private final Path file;
  private final Connection db;

  SqliteRequestStore(Path file) {
    this.file = file;
    try {
      db = SqliteFiles.openDurable(file);
      try (Statement s = db.createStatement()) {
        s.execute(
            "CREATE TABLE IF NOT EXISTS assignments ("
                + " event_key TEXT PRIMARY KEY, request_id INTEGER NOT NULL,"
                + " address TEXT NOT NULL, topics TEXT NOT NULL, data TEXT NOT NULL,"
                + " event_tx TEXT NOT NULL, log_index INTEGER NOT NULL, block INTEGER NOT NULL,"
                + " state TEXT NOT NULL, fulfil_tx TEXT, fulfil_nonce TEXT, sent_at_ms INTEGER,"
                + " attempts INTEGER NOT NULL DEFAULT 0, note TEXT)");
        s.execute("CREATE INDEX IF NOT EXISTS assignments_by_request ON assignments (request_id)");
        s.execute(
            "CREATE TABLE IF NOT EXISTS proposals ("
                + " event_key TEXT PRIMARY KEY, request_id INTEGER NOT NULL,"
                + " address TEXT NOT NULL, topics TEXT NOT NULL, data TEXT NOT NULL,"
                + " event_tx TEXT NOT NULL, log_index INTEGER NOT NULL, block INTEGER NOT NULL,"
                + " state TEXT NOT NULL, settle_tx TEXT, settle_nonce TEXT, sent_at_ms INTEGER,"
                + " attempts INTEGER NOT NULL DEFAULT 0, note TEXT)");
        s.execute("CREATE INDEX IF NOT EXISTS proposals_by_request ON proposals (request_id)");
        s.execute(
            "CREATE TABLE IF NOT EXISTS cursors ("
                + " name TEXT PRIMARY KEY, next_block INTEGER NOT NULL)");
      }
    } catch (SQLException | IOException e) {
      throw new IllegalStateException("cannot open the on-chain request state at " + file, e);
    }
  }

  /**
   * Records an assignment in {@code state} ({@link Assignment.State#SEEN}, or {@link
   * Assignment.State#SKIPPED} with a note); returns false when the event was already known.
   */
  synchronized boolean add(RequestEvent event, Assignment.State state, String note) {
    return update(
            "INSERT OR IGNORE INTO assignments (event_key, request_id, address, topics, data,"
                + " event_tx, log_index, block, state, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            event.key(),
            event.requestId(),
            event.address(),
            String.join(",", event.topics()),
            event.data(),
            event.txHash(),
            event.logIndex(),
            event.block(),
            state.name(),
            note)
        == 1;
  }

  synchronized Optional<Assignment> get(String key) {
    List<Assignment> found = query("WHERE event_key = ?", key);
    return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
  }

  /** Every assignment of request {@code id} (one per assignment event), oldest first. */
  synchronized List<Assignment> ofRequest(long id) {
    return query("WHERE request_id = ? ORDER BY block, log_index", id);
  }

  /** Assignments with something left to do, oldest first. */
  synchronized List<Assignment> open() {
    return query("WHERE state IN ('SEEN', 'SENT') ORDER BY block, log_index");
  }

  /** How many assignments are in {@code state}. */
  synchronized int count(Assignment.State state) {
    try (PreparedStatement q =
        db.prepareStatement("SELECT COUNT(*) FROM assignments WHERE state = ?")) {
      q.setString(1, state.name());
      try (ResultSet r = q.executeQuery()) {
        return r.next() ? r.getInt(1) : 0;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the on-chain request state in " + file, e);
    }
  }

  /**
   * Records, durably, that a fulfilment with {@code hash} and {@code nonce} was signed for an open
   * assignment (state {@code SENT}, one more attempt); call before broadcasting it.
   *
   * @throws IllegalStateException when the assignment is not open (a closed request is never sent)
   */
  synchronized void markSent(String key, String hash, BigInteger nonce, Instant at) {
    int changed =
        update(
            "UPDATE assignments SET state = 'SENT', fulfil_tx = ?, fulfil_nonce = ?,"
                + " sent_at_ms = ?, attempts = attempts + 1, note = NULL"
                + " WHERE event_key = ? AND state IN ('SEEN', 'SENT')",
            hash,
            nonce.toString(),
            at.toEpochMilli(),
            key);
    if (changed != 1) {
      throw new IllegalStateException("no open assignment " + key + " to send a fulfilment for");
    }
  }

  /** Moves an assignment to {@code state} with a note (the last transaction stays on record). */
  synchronized void advance(String key, Assignment.State state, String note) {
    if (update("UPDATE assignments SET state = ?, note = ? WHERE event_key = ?", state, note, key)
        != 1) {
      throw new IllegalStateException("no assignment " + key);
    }
  }

  /** Counts a failed attempt that sent nothing (e.g. the model failed for a local reason). */
  synchronized int countFailure(String key, String note) {
    update(
        "UPDATE assignments SET attempts = attempts + 1, note = ? WHERE event_key = ?", note, key);
    return get(key).orElseThrow(() -> new IllegalStateException("no assignment " + key)).attempts();
  }

  /**
   * Records a proposal ({@link Proposal.State#WAITING}); false when the event was already known.
   */
  synchronized boolean addProposal(ProposalEvent event) {
    return update(
            "INSERT OR IGNORE INTO proposals (event_key, request_id, address, topics, data,"
                + " event_tx, log_index, block, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            event.key(),
            event.requestId(),
            event.address(),
            String.join(",", event.topics()),
            event.data(),
            event.txHash(),
            event.logIndex(),
            event.block(),
            Proposal.State.WAITING)
        == 1;
  }

  synchronized Optional<Proposal> proposal(String key) {
    List<Proposal> found = queryProposals("WHERE event_key = ?", key);
    return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
  }

  /** Every proposal of request {@code id}, oldest first. */
  synchronized List<Proposal> proposalsOf(long id) {
    return queryProposals("WHERE request_id = ? ORDER BY block, log_index", id);
  }

  /** Proposals with something left to do, oldest first. */
  synchronized List<Proposal> openProposals() {
    return queryProposals("WHERE state IN ('WAITING', 'SENT') ORDER BY block, log_index");
  }

  /**
   * Records, durably, that a settle with {@code hash} and {@code nonce} was signed for an open
   * proposal (state {@code SENT}, one more attempt); call before broadcasting it.
   *
   * @throws IllegalStateException when the proposal is not open (a closed one is never settled)
   */
  synchronized void markSettleSent(String key, String hash, BigInteger nonce, Instant at) {
    int changed =
        update(
            "UPDATE proposals SET state = 'SENT', settle_tx = ?, settle_nonce = ?,"
                + " sent_at_ms = ?, attempts = attempts + 1, note = NULL"
                + " WHERE event_key = ? AND state IN ('WAITING', 'SENT')",
            hash,
            nonce.toString(),
            at.toEpochMilli(),
            key);
    if (changed != 1) {
      throw new IllegalStateException("no open proposal " + key + " to send a settle for");
    }
  }

  /** Moves a proposal to {@code state} with a note (the last settle stays on record). */
  synchronized void advanceProposal(String key, Proposal.State state, String note) {
    if (update("UPDATE proposals SET state = ?, note = ? WHERE event_key = ?", state, note, key)
        != 1) {
      throw new IllegalStateException("no proposal " + key);
    }
  }

  /** A durable {@link CursorStore} named {@code name} in this file. */
  CursorStore cursor(String name) {
    return new CursorStore() {
      @Override
      public OptionalLong load() {
        synchronized (SqliteRequestStore.this) {
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
        synchronized (SqliteRequestStore.this) {
          update(
              "INSERT INTO cursors (name, next_block) VALUES (?, ?)"
                  + " ON CONFLICT(name) DO UPDATE SET next_block = excluded.next_block",
              name,
              nextBlock);
        }
      }
    };
  }

  private List<Assignment> query(String where, Object... args) {
    return select(
        "SELECT " + COLUMNS + " FROM assignments " + where, SqliteRequestStore::read, args);
  }

  private List<Proposal> queryProposals(String where, Object... args) {
    return select(
        "SELECT " + PROPOSAL_COLUMNS + " FROM proposals " + where,
        SqliteRequestStore::readProposal,
        args);
  }

  private <T> List<T> select(String sql, Row<T> row, Object... args) {
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
      throw new IllegalStateException("cannot read the on-chain request state in " + file, e);
    }
  }

  private static Assignment read(ResultSet r) throws SQLException {
    RequestEvent event =
        RequestEvent.stored(
            r.getString(1),
            Arrays.asList(r.getString(2).split(",")),
            r.getString(3),
            r.getString(4),
            r.getLong(5),
            r.getLong(6));
    String nonce = r.getString(9);
    long sentAt = r.getLong(10);
    boolean sent = !r.wasNull();
    return new Assignment(
        event,
        Assignment.State.valueOf(r.getString(7)),
        r.getString(8),
        nonce == null ? null : new BigInteger(nonce),
        sent ? Instant.ofEpochMilli(sentAt) : null,
        r.getInt(11),
        r.getString(12));
  }

  private static Proposal readProposal(ResultSet r) throws SQLException {
    ProposalEvent event =
        ProposalEvent.stored(
            r.getString(1),
            Arrays.asList(r.getString(2).split(",")),
            r.getString(3),
            r.getString(4),
            r.getLong(5),
            r.getLong(6));
    String nonce = r.getString(9);
    long sentAt = r.getLong(10);
    boolean sent = !r.wasNull();
    return new Proposal(
        event,
        Proposal.State.valueOf(r.getString(7)),
        r.getString(8),
        nonce == null ? null : new BigInteger(nonce),
        sent ? Instant.ofEpochMilli(sentAt) : null,
        r.getInt(11),
        r.getString(12));
  }

  private int update(String sql, Object... args) {
    try (PreparedStatement u = db.prepareStatement(sql)) {
      bind(u, args);
      return u.executeUpdate(); // autocommit: durable (synchronous=FULL) when it returns
    } catch (SQLException e) {
      throw new IllegalStateException("cannot write the on-chain request state in " + file, e);
    }
  }

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
      throw new IllegalStateException("cannot close the on-chain request state in " + file, e);
    }
  }
}
