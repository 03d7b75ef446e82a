package io.verinfer.node.onchain;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Proposed;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.node.metrics.NodeMetrics;
import io.verinfer.node.onchain.Proposal.State;
import io.verinfer.node.onchain.RequestChain.Head;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One proposal's settlement, a step at a time: waiting (for the challenge window to close by the
 * chain's clock, or for a dispute's resolution) → sent (the settle's hash on disk before it is
 * broadcast) → settled; or ended (someone else settled) / failed. In {@code MODE_OPTIMISTIC} the
 * provider is paid only when {@code settle} runs, and anyone may call it, so the node calls it
 * itself. Like {@link FulfilSteps}, every step starts from the chain's view of the request and of
 * the last settle, so neither a restart nor an RPC outage sends a second settle while the first may
 * still be mined ({@link CoordinatorSteps}). {@link RequestWatcher} decides when steps run and
 * hands every step of one tick the same head.
 */
final class SettleSteps extends CoordinatorSteps<Proposal, State> {
  /** How long the node leaves a challenged proposal alone before asking about its dispute again. */
  static final Duration DISPUTE_RECHECK = Duration.ofSeconds(30);

  /** The steps' counters in the node's registry. */
  record Metrics(
      NodeMetrics.Counter settled,
      NodeMetrics.Counter settledElsewhere,
      NodeMetrics.Counter failed,
      NodeMetrics.Counter transactions,
      NodeMetrics.Counter gasWaits)
      implements Counters {
    /** Registers the settle counters; gas waits count in the fulfil steps' counter. */
    static Metrics registerIn(NodeMetrics metrics, NodeMetrics.Counter gasWaits) {
      return new Metrics(
          metrics.counter(
              "verinfer_onchain_settled_total",
              "Optimistic answers of this node settled by its own settle transaction (delivered,"
                  + " or rejected after a lost dispute)"),
          metrics.counter(
              "verinfer_onchain_settled_elsewhere_total",
              "Optimistic answers of this node that someone else settled first"),
          metrics.counter(
              "verinfer_onchain_settle_failed_total",
              "Optimistic answers of this node it gave up settling (settle reverted, too many"
                  + " attempts)"),
          metrics.counter(
              "verinfer_onchain_settle_transactions_total", "Settle transactions this node signed"),
          gasWaits);
    }
  }

  private static final Kind<State> KIND =
      new Kind<>(
          "settle",
          "settling it again",
          "someone else settled the request first",
          "no longer pending (someone else settled it)",
          State.WAITING,
          State.ENDED,
          State.FAILED,
          SqliteRequestStore::markSettleSent,
          SqliteRequestStore::advanceProposal);

  private final Metrics metrics;
  private final Map<String, Instant> disputeRecheck = new HashMap<>(); // watcher thread only

  SettleSteps(Context context, Metrics metrics) {
    super(context, metrics, KIND);
    this.metrics = metrics;
  }

  /**
   * Takes one step with the chain's head as of this tick; returns whether the proposal moved on (so
   * another step may follow).
   */
  boolean step(Proposal p, Head head) {
    return switch (p.state()) {
      case WAITING -> send(p, head);
      case SENT -> check(p);
      default -> false;
    };
  }

  private boolean send(Proposal p, Head head) {
    Proposed proposed = p.event().proposed();
    long id = proposed.id();
    // settle reverts ChallengeWindowOpen while block.timestamp <= deadline: the next block's
    // timestamp is at least the head's, so once the head is past the deadline settle can pass
    if (!head.time().isAfter(proposed.ticket().deadline())) {
      return false;
    }
    Instant recheck = disputeRecheck.get(p.key());
    if (recheck != null && clock.instant().isBefore(recheck)) {
      return false;
    }
    if (!chain.isPending(id)) {
      return close(p, State.ENDED, "no longer pending: someone else settled it");
    }
    long dispute = chain.disputeOf(id);
    if (dispute != 0 && !chain.disputeResolved(dispute)) {
      return waitForDispute(p, dispute);
    }
    Optional<TransactionSender.GasOptions> gas =
        gas(p, proposed.ticket().callbackGasLimit(), head, () -> "the settle waits");
    if (gas.isEmpty()) {
      return false;
    }
    disputeRecheck.remove(p.key());
    String hash;
    try {
      hash = send(p, p.event().settleCall(binding), gas.get());
    } catch (ContractRevertException e) {
      // the estimate reverted, so nothing was broadcast
      return switch (e.errorName()) {
        case "ChallengeWindowOpen" -> false; // the chain's clock: look again next tick
        case "DisputeUnresolved" -> waitForDispute(p, chain.disputeOf(id));
        case "RequestNotPending" ->
            chain.isPending(id)
                ? close(
                    p,
                    State.FAILED,
                    "settle would revert: the proposed ticket is not the one on chain")
                : close(p, State.ENDED, "no longer pending: someone else settled it");
        default -> close(p, State.FAILED, "settle would revert: " + e.getMessage());
      };
    }
    LOG.info(
        "request {}: {}; sent the settle {} (gas limit >= {})",
        id,
        dispute == 0
            ? "its challenge window closed at " + proposed.ticket().deadline() + " unchallenged"
            : "dispute " + dispute + " resolved (delivered if cleared, else rejected)",
        hash,
        gas.get().minGasLimit());
    return true;
  }

  private boolean waitForDispute(Proposal p, long dispute) {
    if (disputeRecheck.put(p.key(), clock.instant().plus(DISPUTE_RECHECK)) == null) {
      LOG.warn(
          "request {}: this node's answer is challenged (dispute {}); settling once it is"
              + " resolved",
          p.requestId(),
          dispute);
    }
    return false;
  }

  @Override
  void mined(Proposal p) {
    store.advanceProposal(p.key(), State.SETTLED, null);
    metrics.settled().inc();
    LOG.info("request {} settled: {} mined", p.requestId(), p.settleTx());
  }

  @Override
  boolean close(Proposal p, State state, String note) {
    store.advanceProposal(p.key(), state, note);
    forgetGasWait(p);
    disputeRecheck.remove(p.key());
    if (state == State.FAILED) {
      metrics.failed().inc();
      LOG.error("request {}: giving up settling: {}", p.requestId(), note);
    } else {
      metrics.settledElsewhere().inc();
      LOG.info("request {}: not settled by this node: {}", p.requestId(), note);
    }
    return false;
  }
}
