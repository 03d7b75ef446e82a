package io.verinfer.chain.testing;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Each test on its own snapshot of the shared devnet with fresh {@link Actors}; the chain goes back
 * to the snapshot after the test, whatever happened.
 */
public abstract class DevnetScene {
  private String snapshot;
  protected Actors actors;

  @BeforeEach
  protected void openScene() {
    snapshot = SharedDevnet.snapshot();
    actors = new Actors();
  }

  @AfterEach
  protected void closeScene() {
    actors.close();
    SharedDevnet.revert(snapshot);
  }
}
