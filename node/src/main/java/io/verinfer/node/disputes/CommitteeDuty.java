package io.verinfer.node.disputes;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.LogWatcher;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.facade.DisputeManagerFacade;
import io.verinfer.chain.facade.DisputeManagerFacade.Ballot;
import io.verinfer.chain.facade.DisputeManagerFacade.DisputeInfo;
import io.verinfer.chain.facade.DisputeManagerFacade.Phase;
import io.verinfer.chain.tx.ChainException;
import io.verinfer.node.metrics.NodeMetrics;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.TokenAmount;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.EthBlock;
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

  /** Longest pause before retrying a duty whose step failed. */
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  /** How long after the reveal deadline a revealed duty keeps trying to resolve. */
  private static final Duration RESOLVE_GIVE_UP = Duration.ofDays(1);

  private final VerinferChain chain;
  private final DisputeManagerFacade disputes;
  private final Address me;
  private final Reexecutor reexecutor;
  private final SqliteDutyStore store;
  private final DutySettings settings;
  private final Clock clock;
  private final SecureRandom random;
  private final ScheduledThreadPoolExecutor scheduler;
  private final LogWatcher watcher;
  private final Map<Long, Retry> retries = new HashMap<>(); // duty thread only
  private final Map<Long, String> reasons = new HashMap<>(); // duty thread only
  private volatile boolean closed;

  private final NodeMetrics.Counter seen;
  private final NodeMetrics.Counter commits;
  private final NodeMetrics.Counter reveals;
  private final NodeMetrics.LabelledCounter votes;
  private final NodeMetrics.Counter abstentions;
  private final NodeMetrics.Counter missed;
  private final NodeMetrics.Counter resolutions;

  private record Retry(int failures, Instant notBefore) {}

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
    this.reexecutor = Objects.requireNonNull(reexecutor, "reexecutor");
    this.store = Objects.requireNonNull(store, "store");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = new SecureRandom();
    // its own thread: a re-execution or a transaction waiting to be mined must not hold up the
    // settler and withdrawal watcher on the payment scheduler
    this.scheduler =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = Executors.defaultThreadFactory().newThread(r);
              // several nodes may share a JVM (the devnet runs three): say whose duty this is
              t.setName("committee-duty-" + me.value().substring(0, 10));
              t.setDaemon(true);
              return t;
            });
    scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    LogWatcher.Config config =
        LogWatcher.Config.of(
                List.of(disputes.address().value()),
                List.of(List.of(DisputeManagerFacade.COMMITTEE_DRAWN_TOPIC)),
                settings.confirmations())
            .withStartBlock(chain.deployment().deployedAtBlock())
            .withTiming(settings.pollInterval(), MAX_BACKOFF);
    this.watcher =
        new LogWatcher(
            chain.web3j(),
            config,
            store.cursor("CommitteeDrawn@" + disputes.address().value()),
            this::onCommitteeDrawn,
            scheduler);

    this.seen =
        metrics.counter(
            "verinfer_disputes_seen_total", "Dispute committees this node was drawn onto");
    this.commits =
        metrics.counter("verinfer_dispute_commits_total", "Hidden votes this node committed");
    this.reveals = metrics.counter("verinfer_dispute_reveals_total", "Votes this node revealed");
    this.votes =
        metrics.counter(
            "verinfer_dispute_votes_total",
            "Judgements in this node's revealed votes, one per accused provider (counted at the"
                + " reveal)",
            "vote",
            List.of("guilty", "innocent"));
    this.abstentions =
        metrics.counter(
            "verinfer_dispute_abstentions_total",
            "Committees where this node could not re-execute and cast no vote");
    this.missed =
        metrics.counter(
            "verinfer_dispute_missed_total",
            "Committees where this node revealed no vote in time (a deadline passed or the salt"
                + " was lost)");
    this.resolutions =
        metrics.counter(
            "verinfer_dispute_resolutions_total", "resolve transactions this node sent");
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
    watcher.start();
    long pause = settings.pollInterval().toMillis();
    scheduler.scheduleWithFixedDelay(this::tickQuietly, pause, pause, TimeUnit.MILLISECONDS);
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

  private void tickQuietly() {
    try {
      tick();
    } catch (RuntimeException e) {
      LOG.warn("committee duty tick failed; trying again in {}", settings.pollInterval(), e);
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
      if (closed) {
        return;
      }
      Retry retry = retries.get(duty.disputeId());
      if (retry != null && wall.isBefore(retry.notBefore())) {
        continue;
      }
      try {
        // Bounded: each step either moves the duty on or returns false.
        for (int i = 0; i < MAX_STEPS_PER_TICK && !closed; i++) {
          if (!step(store.get(duty.disputeId()).orElseThrow())) {
            break;
          }
        }
        retries.remove(duty.disputeId());
      } catch (RuntimeException e) {
        int failures = retry == null ? 1 : retry.failures() + 1;
        Duration pause = backoff(failures);
        retries.put(duty.disputeId(), new Retry(failures, wall.plus(pause)));
        LOG.warn(
            "dispute {}: step failed ({} in a row), trying again in {}: {}",
            duty.disputeId(),
            failures,
            pause,
            e.toString());
        LOG.debug("dispute {} step failure", duty.disputeId(), e);
      }
    }
  }

  private Duration backoff(int failures) {
    Duration pause = settings.pollInterval().multipliedBy(1L << Math.min(failures - 1, 16));
    return pause.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : pause;
  }

  /** Takes one step; returns whether the duty moved on (so another step may follow at once). */
  private boolean step(Duty duty) {
    if (!duty.state().open()) {
      return false;
    }
    long id = duty.disputeId();
    if (id > disputes.disputeCount()) {
      // the committee's block is gone: a reorg deeper than the confirmations, or a reset devnet
      store.advance(id, Duty.State.CLOSED, "the dispute does not exist on this chain");
      LOG.warn("dispute {} does not exist on this chain (any more); dropping its duty", id);
      return false;
    }
    DisputeInfo info = disputes.dispute(id);
    if (info.phase() == Phase.RESOLVED) {
      afterResolution(duty, info);
      return false;
    }
    if (info.phase() != Phase.VOTING) {
      throw new IllegalStateException("dispute " + id + " is in phase " + info.phase());
    }
    Ballot ballot = disputes.ballot(id, me);
    Instant now = chainTime();
    return switch (duty.state()) {
      case DRAWN -> vote(duty, info, ballot, now);
      case VOTED -> commit(duty, info, ballot, now);
      case COMMITTED -> reveal(duty, info, ballot, now);
      case REVEALED -> resolve(duty, info, now);
      default -> false;
    };
  }

  private boolean vote(Duty duty, DisputeInfo info, Ballot ballot, Instant now) {
    long id = duty.disputeId();
    if (ballot.committed()) {
      return miss(
          duty,
          "the chain holds a commitment from "
              + me
              + " but this node has no vote or salt for it (was its state file lost?)");
    }
    if (now.isAfter(info.commitDeadline())) {
      return miss(
          duty,
          "the commit window closed at "
              + info.commitDeadline()
              + " before this node could vote"
              + lastProblem(id));
    }
    DisputeManagerFacade.Opened opened =
        disputes
            .findOpened(id, chain.deployment().deployedAtBlock(), duty.drawnBlock())
            .orElseThrow(
                () ->
                    new ChainException(
                        "no DisputeOpened event for dispute "
                            + id
                            + " up to block "
                            + duty.drawnBlock()));
    String mismatch = evidenceMismatch(opened, info);
    if (mismatch != null) {
      // the RPC endpoint served bytes the contract did not accept: never vote on them
      throw new ChainException("dispute " + id + ": the DisputeOpened event " + mismatch);
    }
    Reexecution outcome = reexecutor.rerun(info.model(), opened.input());
    if (outcome instanceof Reexecution.CannotJudge cannot) {
      if (!cannot.retry()) {
        abstentions.inc();
        store.advance(id, Duty.State.ABSTAINED, cannot.reason());
        LOG.error(
            "dispute {}: cannot judge, so this node casts no vote and will be slashed the"
                + " non-reveal penalty when the dispute resolves: {}",
            id,
            cannot.reason());
        return false;
      }
      reasons.put(id, cannot.reason());
      throw new IllegalStateException("cannot re-execute yet: " + cannot.reason());
    }
    if (outcome instanceof Reexecution.Refused refused) {
      reasons.put(id, refused.reason()); // logged at the reveal: it gives the vote away
    }
    long tolerancePpm = chain.models().model(info.model()).tolerancePpm();
    int vote = Votes.of(outcome, opened.outputs(), tolerancePpm);
    byte[] salt = new byte[32];
    random.nextBytes(salt);
    store.saveVote(id, new Duty.Secret(vote, Bytes32.of(salt)));
    LOG.info("dispute {}: re-executed model {}; vote chosen and stored", id, info.model().value());
    return true;
  }

  /** Why the bytes of the event are not the dispute's, or null when they are. */
  static String evidenceMismatch(DisputeManagerFacade.Opened opened, DisputeInfo info) {
    if (opened.id() != info.id() || !opened.model().equals(info.model())) {
      return "is for dispute " + opened.id() + " of model " + opened.model();
    }
    if (!Bytes32.keccak256(opened.input()).equals(info.inputHash())) {
      return "carries an input whose keccak256 is not the dispute's inputHash";
    }
    if (opened.outputs().size() != info.outputHashes().size()
        || !opened.accused().equals(info.accused())) {
      return "names other accused or another number of outputs than the dispute";
    }
    for (int i = 0; i < opened.outputs().size(); i++) {
      if (!Bytes32.keccak256(opened.outputs().get(i)).equals(info.outputHashes().get(i))) {
        return "carries an output " + i + " whose keccak256 is not the dispute's outputHash";
      }
    }
    return null;
  }

  private boolean commit(Duty duty, DisputeInfo info, Ballot ballot, Instant now) {
    long id = duty.disputeId();
    if (!ballot.committed()) {
      if (now.isAfter(info.commitDeadline())) {
        return miss(duty, "the commit window closed at " + info.commitDeadline());
      }
      Duty.Secret secret = duty.secret();
      try {
        disputes.commitVote(
            id, DisputeManagerFacade.commitment(id, me, secret.vote(), secret.salt()));
      } catch (ContractRevertException e) {
        switch (e.errorName()) {
          case "AlreadyCommitted" -> {} // ours, mined while an earlier attempt waited
          case "TooLate" -> {
            return miss(duty, "the commit window closed at " + info.commitDeadline());
          }
          case "WrongPhase" -> {
            return false; // resolved meanwhile; the next step sees it
          }
          default -> throw e;
        }
      }
      commits.inc();
      LOG.info(
          "dispute {}: vote committed; reveals open when all {} members committed or after {}",
          id,
          info.committee().size(),
          info.commitDeadline());
    }
    store.advance(id, Duty.State.COMMITTED, null);
    return true;
  }

  private boolean reveal(Duty duty, DisputeInfo info, Ballot ballot, Instant now) {
    long id = duty.disputeId();
    if (ballot.revealed()) {
      store.advance(id, Duty.State.REVEALED, null);
      return true;
    }
    if (!ballot.committed()) {
      // the commit's block was dropped by a reorg: send it again
      store.advance(id, Duty.State.VOTED, null);
      return true;
    }
    boolean open =
        info.committed() >= info.committee().size()
            || now.isAfter(info.commitDeadline())
            || clock.instant().isAfter(info.commitDeadline());
    if (!open) {
      return false;
    }
    if (now.isAfter(info.revealDeadline())) {
      return miss(duty, "the reveal window closed at " + info.revealDeadline());
    }
    Duty.Secret secret = duty.secret();
    try {
      disputes.revealVote(id, secret.vote(), secret.salt());
    } catch (ContractRevertException e) {
      switch (e.errorName()) {
        case "TooEarly", "WrongPhase" -> {
          return false; // the chain's clock has not reached the deadline yet; or resolved
        }
        case "AlreadyRevealed" -> {}
        case "TooLate" -> {
          return miss(duty, "the reveal window closed at " + info.revealDeadline());
        }
        default -> throw e;
      }
    }
    store.advance(id, Duty.State.REVEALED, null);
    reveals.inc();
    List<String> judged = new ArrayList<>();
    for (int i = 0; i < info.accused().size(); i++) {
      boolean guilty = Votes.guilty(secret.vote(), i);
      votes.inc(guilty ? "guilty" : "innocent");
      judged.add(info.accused().get(i) + (guilty ? " wrong" : " right"));
    }
    String why = reasons.remove(id);
    LOG.info(
        "dispute {}: revealed vote {} ({}){}",
        id,
        secret.vote(),
        String.join(", ", judged),
        why == null ? "" : "; the model refused the input: " + why);
    return true;
  }

  private boolean resolve(Duty duty, DisputeInfo info, Instant now) {
    long id = duty.disputeId();
    boolean due =
        info.revealed() >= info.committee().size()
            || now.isAfter(info.revealDeadline())
            || clock.instant().isAfter(info.revealDeadline());
    if (!due) {
      return false;
    }
    if (now.isAfter(info.revealDeadline().plus(RESOLVE_GIVE_UP))) {
      store.advance(id, Duty.State.CLOSED, "not resolved by this node; left to anyone");
      LOG.warn("dispute {}: still unresolved a day after its reveal deadline; giving up", id);
      return false;
    }
    try {
      disputes.resolve(id);
      resolutions.inc();
    } catch (ContractRevertException e) {
      switch (e.errorName()) {
        case "WrongPhase" -> {} // another member resolved it first
        case "TooEarly" -> {
          return false;
        }
        default -> throw e;
      }
    }
    return true;
  }

  private void afterResolution(Duty duty, DisputeInfo info) {
    long id = duty.disputeId();
    if (duty.state() == Duty.State.REVEALED || disputes.ballot(id, me).revealed()) {
      store.advance(id, Duty.State.CLOSED, null);
      LOG.info("dispute {} resolved: {} for {}", id, info.verdicts(), info.accused());
    } else {
      miss(duty, "the dispute was resolved before this node revealed");
    }
    claimOwed();
  }

  private void claimOwed() {
    TokenAmount owed = disputes.owed(me);
    if (owed.equals(TokenAmount.ZERO)) {
      return;
    }
    try {
      disputes.claim();
      LOG.info("claimed {} base units owed by disputes", owed);
    } catch (ContractRevertException e) {
      if (!"NothingToClaim".equals(e.errorName())) {
        throw e;
      }
    }
  }

  private boolean miss(Duty duty, String reason) {
    missed.inc();
    reasons.remove(duty.disputeId());
    store.advance(duty.disputeId(), Duty.State.MISSED, reason);
    LOG.error(
        "dispute {}: this node reveals no vote and will be slashed the non-reveal penalty: {}",
        duty.disputeId(),
        reason);
    return false;
  }

  private String lastProblem(long id) {
    String why = reasons.get(id);
    return why == null ? "" : " (last problem: " + why + ")";
  }

  private Instant chainTime() {
    try {
      EthBlock answer =
          chain.web3j().ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send();
      if (answer.hasError() || answer.getBlock() == null) {
        throw new ChainException(
            "eth_getBlockByNumber(latest) failed"
                + (answer.hasError() ? ": " + answer.getError().getMessage() : ""));
      }
      return Instant.ofEpochSecond(answer.getBlock().getTimestamp().longValueExact());
    } catch (IOException e) {
      throw new ChainException("cannot read the chain's time", e);
    }
  }

  /**
   * Stops watching and working; a step in progress (e.g. a transaction waiting to be mined) may
   * finish first, for up to 30 seconds. Then closes the state file.
   */
  @Override
  public void close() {
    closed = true;
    watcher.close();
    scheduler.shutdown();
    try {
      if (!scheduler.awaitTermination(30, TimeUnit.SECONDS)) {
        scheduler.shutdownNow();
        scheduler.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      scheduler.shutdownNow();
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      store.close();
    }
  }
}
