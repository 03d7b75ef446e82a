package io.verinfer.node.onchain;

import io.verinfer.node.metrics.NodeMetrics;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the fulfil and settle step tests run on: an in-memory chain ({@link FakeRequestChain}), a
 * clock moved by hand, the node's metrics, and the watcher's state on real SQLite, opened again for
 * every restart a test plays.
 */
abstract class AbstractStepsTest {
  @TempDir Path dir;

  final FakeRequestChain chain = new FakeRequestChain();
  final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
  final NodeMetrics metrics = NodeMetrics.withoutJvm();
  OnchainSettings settings;
  SqliteRequestStore store;

  /** Makes the steps under test, afresh after every restart. */
  abstract void newSteps(CoordinatorSteps.Context context);

  @BeforeEach
  final void openState() {
    settings = OnchainSettings.besideLedger(dir.resolve("ledger.db"));
    reopen();
  }

  @AfterEach
  final void closeState() {
    store.close();
  }

  /** A restart: the state file opened again, fresh steps (nothing kept in memory). */
  final void reopen() {
    if (store != null) {
      store.close();
    }
    store = new SqliteRequestStore(settings.stateFile());
    newSteps(new CoordinatorSteps.Context(chain, OnchainEvents.binding(), store, settings, clock));
  }
}
