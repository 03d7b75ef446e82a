package io.verinfer.node.onchain;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.bindings.InferenceCoordinator;
import io.verinfer.chain.facade.InferenceCoordinatorFacade;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Requested;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.node.metrics.NodeMetrics;
import io.verinfer.node.onchain.Assignment.State;
import io.verinfer.node.onchain.RequestChain.Head;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One assignment's state machine, a step at a time: seen → sent (the fulfilment's hash on disk
 * before it is broadcast) → done, or failed / expired. Every step starts from the chain's view of
 * the request and of the last fulfilment, so neither a restart nor an RPC outage sends a second
 * fulfilment while the first may still be mined. {@link RequestWatcher} decides when steps run.
 */
final class FulfilSteps {
  private static final Logger LOG = LoggerFactory.getLogger(RequestWatcher.class);

  /** The steps' counters in the node's registry. */
  record Metrics(
      NodeMetrics.Counter fulfilled,
      NodeMetrics.Counter failed,
      NodeMetrics.Counter expired,
      NodeMetrics.Counter transactions,
      NodeMetrics.Counter gasWaits) {
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

  private final RequestChain chain;
  private final InferenceCoordinator binding;
  private final ModelRunner runner;
  private final SqliteRequestStore store;
  private final OnchainSettings settings;
  private final Clock clock;
  private final Metrics metrics;
  private final Set<String> waitingForGas = new HashSet<>(); // watcher thread only

  FulfilSteps(
      RequestChain chain,
      InferenceCoordinator binding,
      ModelRunner runner,
      SqliteRequestStore store,
      OnchainSettings settings,
      Clock clock,
      Metrics metrics) {
    this.chain = chain;
    this.binding = binding;
    this.runner = runner;
    this.store = store;
    this.settings = settings;
    this.clock = clock;
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
        settings.gas().options(r.ticket().callbackGasLimit(), head.baseFee());
    if (gas.isEmpty()) {
      metrics.gasWaits().inc();
      if (waitingForGas.add(a.key())) {
        LOG.warn(
            "request {}: gas costs {} wei (base fee) + {} (tip), above maxGasPrice {}; waiting"
                + " until {} (deadline {} minus the margin)",
            id,
            head.baseFee(),
            settings.gas().priorityFee(),
            settings.gas().maxGasPrice(),
            r.ticket().deadline().minus(settings.deadlineMargin()),
            r.ticket().deadline());
      }
      return false;
    }
    waitingForGas.remove(a.key());
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
    String call = a.event().fulfilCall(binding, output);
    String hash;
    try {
      hash =
          chain.sendToCoordinator(
              call,
              gas.get(),
              signed -> store.markSent(a.key(), signed.hash(), signed.nonce(), clock.instant()));
    } catch (ContractRevertException e) {
      // the estimate reverted, so nothing was broadcast
      return switch (e.errorName()) {
        case "RequestNotPending", "RequestExpired" ->
            close(a, State.EXPIRED, "fulfil would revert with " + e.errorName());
        default -> close(a, State.FAILED, "fulfil would revert: " + e.getMessage());
      };
    }
    metrics.transactions().inc();
    LOG.info(
        "request {}: ran model {} and sent the fulfilment {} ({} output bytes, gas limit >= {})",
        id,
        r.ticket().model().value(),
        hash,
        output.length,
        gas.get().minGasLimit());
    return true;
  }

  private boolean check(Assignment a) {
    Requested r = a.event().requested();
    long id = r.id();
    String tx = a.fulfilTx();
    switch (chain.status(tx)) {
      case SUCCEEDED -> {
        store.advance(a.key(), State.DONE, null);
        metrics.fulfilled().inc();
        if (r.ticket().mode() == InferenceCoordinatorFacade.MODE_OPTIMISTIC) {
          LOG.info(
              "request {} answer proposed: {} mined; to be settled once its challenge window closed",
              id,
              tx);
        } else {
          LOG.info("request {} fulfilled: {} mined", id, tx);
        }
        return false;
      }
      case PENDING -> {
        return false; // mined later, or dropped: the next check sees which
      }
      case REVERTED -> {
        String what = "the fulfilment " + tx + " reverted";
        if (!chain.isPending(id)) {
          return close(a, State.EXPIRED, what + "; the request is no longer pending");
        }
        Head head = chain.head();
        if (tooLate(r, head)) {
          return close(a, State.EXPIRED, what + "; " + lateNote(r, head));
        }
        return retryOrFail(a, what);
      }
      case UNKNOWN -> {
        if (!chain.isPending(id)) {
          return close(
              a,
              State.EXPIRED,
              "no longer pending, and the fulfilment " + tx + " never reached the chain");
        }
        // The nonce used by another mined transaction: ours can never be mined. Otherwise it may
        // still show up (e.g. behind a load balancer) until resendAfter has passed.
        boolean nonceTaken = chain.minedNonce().compareTo(a.fulfilNonce()) > 0;
        Instant resendAt = a.sentAt().plus(settings.resendAfter());
        if (!nonceTaken && clock.instant().isBefore(resendAt)) {
          return false;
        }
        return retryOrFail(
            a,
            "the fulfilment "
                + tx
                + " never reached the chain"
                + (nonceTaken ? " (its nonce was used by another transaction)" : ""));
      }
      default -> throw new IllegalStateException("unreachable");
    }
  }

  private boolean retryOrFail(Assignment a, String what) {
    if (a.attempts() >= settings.maxAttempts()) {
      return close(a, State.FAILED, what + "; " + a.attempts() + " attempts made");
    }
    store.advance(a.key(), State.SEEN, what);
    LOG.warn("request {}: {}; sending it again", a.requestId(), what);
    return true;
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

  private boolean close(Assignment a, State state, String note) {
    store.advance(a.key(), state, note);
    waitingForGas.remove(a.key());
    (state == State.EXPIRED ? metrics.expired() : metrics.failed()).inc();
    if (state == State.FAILED) {
      LOG.error("request {}: giving up: {}", a.requestId(), note);
    } else {
      LOG.warn("request {}: not fulfilled: {}", a.requestId(), note);
    }
    return false;
  }
}
