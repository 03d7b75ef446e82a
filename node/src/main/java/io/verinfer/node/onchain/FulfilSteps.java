package io.verinfer.node.onchain;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.facade.InferenceCoordinatorFacade;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Requested;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.node.metrics.NodeMetrics;
import io.verinfer.node.onchain.Assignment.State;
import io.verinfer.node.onchain.RequestChain.Head;
import java.util.Optional;

/**
 * One assignment's state machine, a step at a time: seen → sent (the fulfilment's hash on disk
 * before it is broadcast) → done, or failed / expired. Every step starts from the chain's view of
 * the request and of the last fulfilment, so neither a restart nor an RPC outage sends a second
 * fulfilment while the first may still be mined ({@link CoordinatorSteps}). {@link RequestWatcher}
 * decides when steps run.
 */
final class FulfilSteps extends CoordinatorSteps<Assignment, State> {
  /** The steps' counters in the node's registry. */
  record Metrics(
      NodeMetrics.Counter fulfilled,
      NodeMetrics.Counter failed,
      NodeMetrics.Counter expired,
      NodeMetrics.Counter transactions,
      NodeMetrics.Counter gasWaits)
      implements Counters {
    static Metrics registerIn(NodeMetrics metrics) {
      return new Metrics(
          metrics.counter(
              "verinfer_onchain_fulfilled_total",
              "On-chain requests this node answered (its fulfilment mined: the answer delivered,"
                  + " or in optimistic mode proposed for the challenge window)"),
          metrics.counter(
              "verinfer_onchain_failed_total",
              "On-chain requests this node gave up on (model refused the input, fulfilment"
                  + " reverted, too many attempts)"),
          metrics.counter(
              "verinfer_onchain_expired_total",
              "On-chain requests whose deadline passed, or that were cancelled or reassigned,"
                  + " before this node fulfilled them"),
          metrics.counter(
              "verinfer_onchain_fulfil_transactions_total",
              "Fulfilment transactions this node signed"),
          metrics.counter(
              "verinfer_onchain_gas_waits_total",
              "Times a fulfilment or a settle was held back because gas cost more than"
                  + " maxGasPrice"));
    }
  }

  private static final Kind<State> KIND =
      new Kind<>(
          "fulfilment",
          "sending it again",
          "the request is no longer pending",
          "no longer pending",
          State.SEEN,
          State.EXPIRED,
          State.FAILED,
          SqliteRequestStore::markSent,
          SqliteRequestStore::advance);

  private final ModelRunner runner;
  private final Metrics metrics;

  FulfilSteps(Context context, ModelRunner runner, Metrics metrics) {
    super(context, metrics, KIND);
    this.runner = runner;
    this.metrics = metrics;
  }

  /** Takes one step; returns whether the assignment moved on (so another step may follow). */
  boolean step(Assignment a) {
    return switch (a.state()) {
      case SEEN -> send(a);
      case SENT -> check(a);
      default -> false;
    };
  }

  private boolean send(Assignment a) {
    Requested r = a.event().requested();
    long id = r.id();
    Optional<Assignment> done =
        store.ofRequest(id).stream().filter(o -> o.state() == State.DONE).findFirst();
    if (done.isPresent()) {
      return close(a, State.EXPIRED, "this node already fulfilled request " + id);
    }
    if (!chain.isPending(id)) {
      return close(a, State.EXPIRED, "no longer pending (cancelled or reassigned)");
    }
    Head head = chain.head();
    if (tooLate(r, head)) {
      return close(a, State.EXPIRED, lateNote(r, head));
    }
    Optional<TransactionSender.GasOptions> gas =
        gas(
            a,
            r.ticket().callbackGasLimit(),
            head,
            () ->
                "waiting until "
                    + r.ticket().deadline().minus(settings.deadlineMargin())
                    + " (deadline "
                    + r.ticket().deadline()
                    + " minus the margin)");
    if (gas.isEmpty()) {
      return false;
    }
    byte[] output =
        switch (runner.run(r.ticket().model(), r.input())) {
          case ModelRunner.Outcome.Output out -> out.bytes();
          case ModelRunner.Outcome.Refused refused -> {
            close(a, State.FAILED, "the model refused the input: " + refused.reason());
            yield null;
          }
          case ModelRunner.Outcome.Failed failed -> {
            int attempts = store.countFailure(a.key(), failed.reason());
            if (attempts >= settings.maxAttempts()) {
              close(a, State.FAILED, "the model failed " + attempts + " times: " + failed.reason());
              yield null;
            }
            throw new IllegalStateException("the model failed: " + failed.reason());
          }
        };
    if (output == null) {
      return false;
    }
    String hash;
    try {
      hash = send(a, a.event().fulfilCall(binding, output), gas.get());
    } catch (ContractRevertException e) {
      // the estimate reverted, so nothing was broadcast
      return switch (e.errorName()) {
        case "RequestNotPending", "RequestExpired" ->
            close(a, State.EXPIRED, "fulfil would revert with " + e.errorName());
        default -> close(a, State.FAILED, "fulfil would revert: " + e.getMessage());
      };
    }
    LOG.info(
        "request {}: ran model {} and sent the fulfilment {} ({} output bytes, gas limit >= {})",
        id,
        r.ticket().model().value(),
        hash,
        output.length,
        gas.get().minGasLimit());
    return true;
  }

  @Override
  void mined(Assignment a) {
    store.advance(a.key(), State.DONE, null);
    metrics.fulfilled().inc();
    if (a.event().requested().ticket().mode() == InferenceCoordinatorFacade.MODE_OPTIMISTIC) {
      LOG.info(
          "request {} answer proposed: {} mined; to be settled once its challenge window closed",
          a.requestId(),
          a.fulfilTx());
    } else {
      LOG.info("request {} fulfilled: {} mined", a.requestId(), a.fulfilTx());
    }
  }

  @Override
  Optional<String> tooLateToResend(Assignment a) {
    Requested r = a.event().requested();
    Head head = chain.head();
    return tooLate(r, head) ? Optional.of(lateNote(r, head)) : Optional.empty();
  }

  private boolean tooLate(Requested r, Head head) {
    return !head.time().isBefore(r.ticket().deadline().minus(settings.deadlineMargin()));
  }

  private String lateNote(Requested r, Head head) {
    return "too close to the deadline "
        + r.ticket().deadline()
        + " (chain time "
        + head.time()
        + ", margin "
        + settings.deadlineMargin()
        + ")";
  }

  @Override
  boolean close(Assignment a, State state, String note) {
    store.advance(a.key(), state, note);
    forgetGasWait(a);
    (state == State.EXPIRED ? metrics.expired() : metrics.failed()).inc();
    if (state == State.FAILED) {
      LOG.error("request {}: giving up: {}", a.requestId(), note);
    } else {
      LOG.warn("request {}: not fulfilled: {}", a.requestId(), note);
    }
    return false;
  }
}
