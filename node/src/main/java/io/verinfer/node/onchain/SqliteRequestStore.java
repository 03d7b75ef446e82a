package io.verinfer.node.onchain;

import io.verinfer.chain.CursorStore;
import io.verinfer.node.storage.SqliteState;
import java.math.BigInteger;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.web3j.protocol.core.methods.response.Log;

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
  /**
   * One table of events this node acts on, a row an event: the assignments (fulfilled) and the
   * proposals (settled) have the same columns but for the transaction's, and the same life.
   *
   * @param name the table's name
   * @param noun what a row is, for errors
   * @param sends the transaction sent for a row, for errors
   * @param tx the prefix of the transaction's columns ({@code <tx>_tx}, {@code <tx>_nonce})
   * @param before the open state before a transaction is sent (the other is {@code SENT})
   */
  private record Table<E extends CoordinatorEvent<?>, S extends Enum<S>, T>(
      String name,
      String noun,
      String sends,
      String tx,
      S before,
      Function<Log, E> event,
      Row<E, S, T> row) {
    List<String> schema() {
      return List.of(
          "CREATE TABLE IF NOT EXISTS "
              + name
              + " ("
              + " event_key TEXT PRIMARY KEY, request_id INTEGER NOT NULL,"
              + " address TEXT NOT NULL, topics TEXT NOT NULL, data TEXT NOT NULL,"
              + " event_tx TEXT NOT NULL, log_index INTEGER NOT NULL, block INTEGER NOT NULL,"
              + " state TEXT NOT NULL, "
              + tx
              + "_tx TEXT, "
              + tx
              + "_nonce TEXT, sent_at_ms INTEGER,"
              + " attempts INTEGER NOT NULL DEFAULT 0, note TEXT)",
          "CREATE INDEX IF NOT EXISTS " + name + "_by_request ON " + name + " (request_id)");
    }

    String select(String where) {
      return "SELECT address, topics, data, event_tx, log_index, block, state, "
          + tx
          + "_tx, "
          + tx
          + "_nonce, sent_at_ms, attempts, note FROM "
          + name
          + " "
          + where;
    }

    String open() {
      return "state IN ('" + before.name() + "', 'SENT')";
    }

    T read(ResultSet r) throws SQLException {
      E e =
          event.apply(
              CoordinatorEvent.storedLog(
                  r.getString(1),
                  Arrays.asList(r.getString(2).split(",")),
                  r.getString(3),
                  r.getString(4),
                  r.getLong(5),
                  r.getLong(6)));
      String nonce = r.getString(9);
      long sentAt = r.getLong(10);
      boolean sent = !r.wasNull();
      return row.of(
          e,
          Enum.valueOf(before.getDeclaringClass(), r.getString(7)),
          r.getString(8),
          nonce == null ? null : new BigInteger(nonce),
          sent ? Instant.ofEpochMilli(sentAt) : null,
          r.getInt(11),
          r.getString(12));
    }
  }

  /** Makes a row's record ({@code Assignment::new}, {@code Proposal::new}). */
  private interface Row<E, S, T> {
    T of(E event, S state, String tx, BigInteger nonce, Instant sentAt, int attempts, String note);
  }

  private static final Table<RequestEvent, Assignment.State, Assignment> ASSIGNMENTS =
      new Table<>(
          "assignments",
          "assignment",
          "a fulfilment",
          "fulfil",
          Assignment.State.SEEN,
          RequestEvent::of,
          Assignment::new);
  private static final Table<ProposalEvent, Proposal.State, Proposal> PROPOSALS =
      new Table<>(
          "proposals",
          "proposal",
          "a settle",
          "settle",
          Proposal.State.WAITING,
          ProposalEvent::of,
          Proposal::new);

  private final SqliteState db;

  SqliteRequestStore(Path file) {
    db =
        SqliteState.open(
            file,
            "on-chain request state",
            Stream.concat(ASSIGNMENTS.schema().stream(), PROPOSALS.schema().stream()).toList());
  }

  /**
   * Records an assignment in {@code state} ({@link Assignment.State#SEEN}, or {@link
   * Assignment.State#SKIPPED} with a note); returns false when the event was already known.
   */
  synchronized boolean add(RequestEvent event, Assignment.State state, String note) {
    return insert(ASSIGNMENTS, event, state, note);
  }

  synchronized Optional<Assignment> get(String key) {
    return find(ASSIGNMENTS, key);
  }

  /** Every assignment of request {@code id} (one per assignment event), oldest first. */
  synchronized List<Assignment> ofRequest(long id) {
    return ofRequest(ASSIGNMENTS, id);
  }

  /** Assignments with something left to do, oldest first. */
  synchronized List<Assignment> open() {
    return open(ASSIGNMENTS);
  }

  /** How many assignments are in {@code state}. */
  synchronized int count(Assignment.State state) {
    return db.select("SELECT COUNT(*) FROM assignments WHERE state = ?", r -> r.getInt(1), state)
        .get(0);
  }

  /**
   * Records, durably, that a fulfilment with {@code hash} and {@code nonce} was signed for an open
   * assignment (state {@code SENT}, one more attempt); call before broadcasting it.
   *
   * @throws IllegalStateException when the assignment is not open (a closed request is never sent)
   */
  synchronized void markSent(String key, String hash, BigInteger nonce, Instant at) {
    markSent(ASSIGNMENTS, key, hash, nonce, at);
  }

  /** Moves an assignment to {@code state} with a note (the last transaction stays on record). */
  synchronized void advance(String key, Assignment.State state, String note) {
    advance(ASSIGNMENTS, key, state, note);
  }

  /** Counts a failed attempt that sent nothing (e.g. the model failed for a local reason). */
  synchronized int countFailure(String key, String note) {
    db.update(
        "UPDATE assignments SET attempts = attempts + 1, note = ? WHERE event_key = ?", note, key);
    return get(key).orElseThrow(() -> new IllegalStateException("no assignment " + key)).attempts();
  }

  /**
   * Records a proposal ({@link Proposal.State#WAITING}); false when the event was already known.
   */
  synchronized boolean addProposal(ProposalEvent event) {
    return insert(PROPOSALS, event, Proposal.State.WAITING, null);
  }

  synchronized Optional<Proposal> proposal(String key) {
    return find(PROPOSALS, key);
  }

  /** Every proposal of request {@code id}, oldest first. */
  synchronized List<Proposal> proposalsOf(long id) {
    return ofRequest(PROPOSALS, id);
  }

  /** Proposals with something left to do, oldest first. */
  synchronized List<Proposal> openProposals() {
    return open(PROPOSALS);
  }

  /**
   * Records, durably, that a settle with {@code hash} and {@code nonce} was signed for an open
   * proposal (state {@code SENT}, one more attempt); call before broadcasting it.
   *
   * @throws IllegalStateException when the proposal is not open (a closed one is never settled)
   */
  synchronized void markSettleSent(String key, String hash, BigInteger nonce, Instant at) {
    markSent(PROPOSALS, key, hash, nonce, at);
  }

  /** Moves a proposal to {@code state} with a note (the last settle stays on record). */
  synchronized void advanceProposal(String key, Proposal.State state, String note) {
    advance(PROPOSALS, key, state, note);
  }

  /** A durable {@link CursorStore} named {@code name} in this file. */
  CursorStore cursor(String name) {
    return db.cursor(name);
  }

  private <E extends CoordinatorEvent<?>> boolean insert(
      Table<E, ?, ?> table, E event, Enum<?> state, String note) {
    return db.update(
            "INSERT OR IGNORE INTO "
                + table.name()
                + " (event_key, request_id, address, topics, data,"
                + " event_tx, log_index, block, state, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            event.key(),
            event.requestId(),
            event.address(),
            String.join(",", event.topics()),
            event.data(),
            event.txHash(),
            event.logIndex(),
            event.block(),
            state,
            note)
        == 1;
  }

  private <T> Optional<T> find(Table<?, ?, T> table, String key) {
    return query(table, "WHERE event_key = ?", key).stream().findFirst();
  }

  private <T> List<T> ofRequest(Table<?, ?, T> table, long id) {
    return query(table, "WHERE request_id = ? ORDER BY block, log_index", id);
  }

  private <T> List<T> open(Table<?, ?, T> table) {
    return query(table, "WHERE " + table.open() + " ORDER BY block, log_index");
  }

  private <T> List<T> query(Table<?, ?, T> table, String where, Object... args) {
    return db.select(table.select(where), table::read, args);
  }

  private void markSent(
      Table<?, ?, ?> table, String key, String hash, BigInteger nonce, Instant at) {
    int changed =
        db.update(
            "UPDATE "
                + table.name()
                + " SET state = 'SENT', "
                + table.tx()
                + "_tx = ?, "
                + table.tx()
                + "_nonce = ?, sent_at_ms = ?, attempts = attempts + 1, note = NULL"
                + " WHERE event_key = ? AND "
                + table.open(),
            hash,
            nonce.toString(),
            at.toEpochMilli(),
            key);
    if (changed != 1) {
      throw new IllegalStateException(
          "no open " + table.noun() + " " + key + " to send " + table.sends() + " for");
    }
  }

  private <S extends Enum<S>> void advance(Table<?, S, ?> table, String key, S state, String note) {
    if (db.update(
            "UPDATE " + table.name() + " SET state = ?, note = ? WHERE event_key = ?",
            state,
            note,
            key)
        != 1) {
      throw new IllegalStateException("no " + table.noun() + " " + key);
    }
  }

  @Override
  public synchronized void close() {
    db.close();
  }
}
