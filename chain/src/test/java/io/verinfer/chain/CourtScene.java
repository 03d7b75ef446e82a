package io.verinfer.chain;

import io.verinfer.chain.facade.InferenceCoordinatorFacade;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.Court;
import io.verinfer.chain.testing.SharedDevnet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Each test on its own snapshot of the shared devnet, with a fresh {@link Court} (a model served by
 * five staked providers) and the admin's view of the InferenceCoordinator; the chain goes back to
 * the snapshot after the test, whatever happened.
 */
public abstract class CourtScene {
  private String snapshot;
  protected Actors actors;
  protected Court court;
  protected InferenceCoordinatorFacade coordinator;

  @BeforeEach
  protected void openCourt() {
    snapshot = SharedDevnet.snapshot();
    actors = new Actors();
    court = new Court(actors, getClass().getSimpleName() + "-" + System.nanoTime());
    coordinator = actors.admin().coordinator();
  }

  @AfterEach
  protected void closeCourt() {
    actors.close();
    SharedDevnet.revert(snapshot);
  }
}
