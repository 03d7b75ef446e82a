package io.verinfer.node.disputes;

import io.verinfer.chain.ContractRevertException;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.EthBlock;

/**
 * One committee duty's state machine, a step at a time: vote from a re-execution (drawn → voted),
 * commit, reveal once reveals open, resolve when due, then claim. Every step starts from the
 * chain's view of the dispute and of this node's ballot, so a restart or a dropped transaction
 * repeats nothing that already happened. {@link CommitteeDuty} decides when steps run.
 */
final class DutySteps {
  private static final Logger LOG = LoggerFactory.getLogger(CommitteeDuty.class);

  /** How long after the reveal deadline a revealed duty keeps trying to resolve. */
  private static final Duration RESOLVE_GIVE_UP = Duration.ofDays(1);

  /** The duty's counters in the node's registry. */
  record Metrics(
      NodeMetrics.Counter commits,
      NodeMetrics.Counter reveals,
      NodeMetrics.LabelledCounter votes,
      NodeMetrics.Counter abstentions,
      NodeMetrics.Counter missed,
      NodeMetrics.Counter resolutions) {
    static Metrics registerIn(NodeMetrics metrics) {
      return new Metrics(
          metrics.counter("verinfer_dispute_commits_total", "Hidden votes this node committed"),
          metrics.counter("verinfer_dispute_reveals_total", "Votes this node revealed"),
          metrics.counter(
              "verinfer_dispute_votes_total",
              "Judgements in this node's revealed votes, one per accused provider (counted at the"
                  + " reveal)",
              "vote",
              List.of("guilty", "innocent")),
          metrics.counter(
              "verinfer_dispute_abstentions_total",
              "Committees where this node could not re-execute and cast no vote"),
          metrics.counter(
              "verinfer_dispute_missed_total",
              "Committees where this node revealed no vote in time (a deadline passed or the salt"
                  + " was lost)"),
          metrics.counter(
              "verinfer_dispute_resolutions_total", "resolve transactions this node sent"));
    }
  }

  private final VerinferChain chain;
  private final DisputeManagerFacade disputes;
  private final Address me;
  private final Reexecutor reexecutor;
  private final SqliteDutyStore store;
  private final Clock clock;
  private final Metrics metrics;
  private final SecureRandom random = new SecureRandom();
  private final Map<Long, String> reasons = new HashMap<>(); // duty thread only

  DutySteps(
      VerinferChain chain,
      Reexecutor reexecutor,
      SqliteDutyStore store,
      Clock clock,
      Metrics metrics) {
    this.chain = chain;
    this.disputes = chain.disputes();
    this.me = chain.account();
    this.reexecutor = reexecutor;
    this.store = store;
    this.clock = clock;
    this.metrics = metrics;
  }

  /** Takes one step; returns whether the duty moved on (so another step may follow at once). */
  boolean step(Duty duty) {
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
        metrics.abstentions().inc();
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
    long tolerancePpm = info.tolerancePpm(); // fixed when the dispute opened
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
      metrics.commits().inc();
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
    metrics.reveals().inc();
    List<String> judged = new ArrayList<>();
    for (int i = 0; i < info.accused().size(); i++) {
      boolean guilty = Votes.guilty(secret.vote(), i);
      metrics.votes().inc(guilty ? "guilty" : "innocent");
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
      metrics.resolutions().inc();
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
    metrics.missed().inc();
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
}
