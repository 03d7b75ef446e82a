package io.verinfer.node.disputes;

import io.verinfer.chain.LogWatcher;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.facade.DisputeManagerFacade;
import io.verinfer.node.metrics.NodeMetrics;
import io.verinfer.node.work.StepLoop;
import io.verinfer.protocol.Address;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.protocol.core.methods.response.Log;

/**
 * A paid node's part in disputes: when the DisputeManager draws it onto a committee, it re-executes
 * the disputed call on its own copy of the model, commits a hidden vote, reveals it once reveals
 * open, resolves the dispute when it is due, and claims what disputes owe it. See the contract's
 * NatSpec for the rules.
 *
 * <p>A {@link LogWatcher} follows {@code CommitteeDrawn} events from the deployment's first block
 * (or the saved cursor) and records every committee naming this node in the {@link SqliteDutyStore}
 * before the cursor moves on, so a node that was down when it was drawn still acts on it. A step
 * runs every {@link DutySettings#pollInterval()} for each open duty:
 *
 * <ol>
 *   <li>drawn: read the disputed input and claimed outputs from the {@code DisputeOpened} event,
 *       check them against the dispute's hashes, re-execute ({@link Reexecutor}), compute the vote
 *       ({@link Votes}, at the tolerance the ModelRegistry records) and a fresh 32-byte salt, and
 *       store both durably;
 *   <li>voted: send the commitment (unless the chain already holds it);
 *   <li>committed: reveal once every member committed or the commit window closed;
 *   <li>revealed: resolve once every member revealed or the reveal window closed (anyone may; a
 *       member that lost the race sees {@code WrongPhase} and moves on); once resolved, claim.
 * </ol>
 *
 * Every step reads the dispute and this node's ballot from the chain first, so a restart at any
 * point neither commits twice nor reveals twice, and reveals the stored vote with the stored salt.
 * The vote and salt are never logged, and no metric moves with the vote, before the reveal.
 *
 * <p>A node that cannot judge (it does not serve the disputed model, e.g. it dropped a pack but is
 * still registered for the model) logs an ERROR and casts no vote: it takes the non-reveal penalty
 * rather than vote on a call it did not re-run. A runtime failure is retried until the commit
 * window closes. Times come from the chain (the latest block), with the injected clock as a hint on
 * chains that mine only on demand.
 */
public final class CommitteeDuty implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CommitteeDuty.class);

  /** Most steps one duty takes per tick (drawn → voted → committed → revealed → resolving). */
  private static final int MAX_STEPS_PER_TICK = 5;

  private final VerinferChain chain;
  private final DisputeManagerFacade disputes;
  private final Address me;
  private final SqliteDutyStore store;
  private final Clock clock;
  private final StepLoop loop;
  private final LogWatcher watcher;

  private final NodeMetrics.Counter seen;
  private final DutySteps steps;

  /**
   * @param store owned by the duty from now on: {@link #close()} closes it
   */
  public CommitteeDuty(
      VerinferChain chain,
      Reexecutor reexecutor,
      SqliteDutyStore store,
      DutySettings settings,
      NodeMetrics metrics,
      Clock clock) {
    this.chain = Objects.requireNonNull(chain, "chain");
    this.disputes = chain.disputes();
    this.me = chain.account();
    Objects.requireNonNull(reexecutor, "reexecutor");
    this.store = Objects.requireNonNull(store, "store");
    Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    // its own thread: a re-execution or a transaction waiting to be mined must not hold up the
    // settler and withdrawal watcher on the payment scheduler
    this.loop =
        new StepLoop(
            LOG,
            "committee-duty-" + me.value().substring(0, 10),
            "committee duty",
            settings.pollInterval(),
            MAX_STEPS_PER_TICK);
    this.watcher =
        loop.watch(
            chain,
            disputes.address().value(),
            List.of(List.of(DisputeManagerFacade.COMMITTEE_DRAWN_TOPIC)),
            settings.confirmations(),
            store.cursor("CommitteeDrawn@" + disputes.address().value()),
            this::onCommitteeDrawn);

    this.seen =
        metrics.counter(
            "verinfer_disputes_seen_total", "Dispute committees this node was drawn onto");
    this.steps =
        new DutySteps(chain, reexecutor, store, clock, DutySteps.Metrics.registerIn(metrics));
    metrics.gauge(
        "verinfer_disputes_open", "Committee duties not finished yet", () -> store.open().size());
  }

  /** Opens the state file and starts watching and working, on the duty's own thread. */
  public static CommitteeDuty start(
      VerinferChain chain, Reexecutor reexecutor, DutySettings settings, NodeMetrics metrics) {
    if (!settings.enabled()) {
      throw new IllegalArgumentException("the committee duty is turned off in its settings");
    }
    SqliteDutyStore store = new SqliteDutyStore(settings.stateFile());
    CommitteeDuty duty;
    try {
      duty = new CommitteeDuty(chain, reexecutor, store, settings, metrics, Clock.systemUTC());
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    duty.start();
    return duty;
  }

  public void start() {
    LOG.info(
        "committee duty on for {}: watching DisputeManager {} from block {}",
        me,
        disputes.address(),
        watcher.nextBlock());
    loop.start(this::tick);
  }

  /** The duties' state, for tests and operators. */
  public SqliteDutyStore store() {
    return store;
  }

  private void onCommitteeDrawn(Log log) {
    DisputeManagerFacade.CommitteeDrawn drawn = DisputeManagerFacade.committeeDrawn(log);
    if (!drawn.committee().contains(me)) {
      return;
    }
    if (store.add(drawn.id(), drawn.block())) {
      seen.inc();
      LOG.info(
          "drawn onto the committee of dispute {} ({} members): commit by {}, reveal by {}",
          drawn.id(),
          drawn.committee().size(),
          drawn.commitDeadline(),
          drawn.revealDeadline());
    }
  }

  /** One pass over the open duties, on the duty thread. */
  synchronized void tick() {
    List<Duty> open = store.open();
    if (open.isEmpty()) {
      return;
    }
    Instant wall = clock.instant();
    for (Duty duty : open) {
      if (loop.closed()) {
        return;
      }
      long id = duty.disputeId();
      loop.step(
          Long.toString(id), "dispute " + id, () -> steps.step(store.get(id).orElseThrow()), wall);
    }
  }

  /**
   * Stops watching and working; a step in progress (e.g. a transaction waiting to be mined) may
   * finish first, for up to 30 seconds. Then closes the state file.
   */
  @Override
  public void close() {
    loop.close();
    synchronized (this) {
      store.close();
    }
  }
}
