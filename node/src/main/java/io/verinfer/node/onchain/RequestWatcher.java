package io.verinfer.node.onchain;

import io.verinfer.chain.LogWatcher;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.bindings.InferenceCoordinator;
import io.verinfer.chain.facade.InferenceCoordinatorFacade;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Proposed;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Requested;
import io.verinfer.node.metrics.NodeMetrics;
import io.verinfer.node.work.StepLoop;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import io.verinfer.runtime.InferenceEngine;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * A paid node's part in on-chain requests: when the InferenceCoordinator assigns it a request
 * ({@code InferenceRequested}, or {@code Reassigned} after another provider stayed silent), it runs
 * the model on its own engine and fulfils before the deadline; the contract pays it and calls the
 * requester back. See the contract's NatSpec for the rules.
 *
 * <p>A {@link LogWatcher} follows both events, and this node's {@code InferenceProposed}, filtered
 * on this node's address, once they are {@link OnchainSettings#confirmations()} deep, from the
 * deployment's first block (or the saved cursor), and records every assignment and proposal in the
 * {@link SqliteRequestStore} before the cursor moves on: a node that was down when it was assigned
 * a request still answers it if there is time, and settles what it proposed. A request for a model
 * this node does not serve, or in a mode it does not know, is recorded as skipped; {@code
 * MODE_OPTIMISTIC} requests are fulfilled like {@code MODE_NONE} ones (the fulfilment only proposes
 * the answer). Every {@link OnchainSettings#pollInterval()} each open assignment takes a step
 * ({@link FulfilSteps}): check it is still pending and not too close to its deadline, check the
 * price of gas ({@link GasPolicy}), run the model ({@link ModelRunner}), record the signed
 * fulfilment's hash, broadcast it, and follow it until it is mined. Then each open proposal takes a
 * step ({@link SettleSteps}): once the chain's clock is past its challenge window (and any dispute
 * over it is resolved), settle it the same way, so the node is paid. A failing step backs off
 * (doubling from the poll interval up to 30 s); every loop is bounded.
 *
 * <p>The fee: the contract assigns a request only at the provider's own on-chain price (at most the
 * requester's {@code maxFee}), so the node has no fee to check; it reads only the ticket's
 * provider, model, mode, deadline, requester and callback gas, and passes the ticket back as the
 * event carried it.
 */
public final class RequestWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RequestWatcher.class);

  /** Most steps one assignment or proposal takes per tick (seen → sent → done). */
  private static final int MAX_STEPS_PER_TICK = 3;

  /** The backoff key of the head read that every settle step of a tick shares. */
  private static final String HEAD = "head";

  private final Address me;
  private final Address coordinator;
  private final ModelRunner runner;
  private final SqliteRequestStore store;
  private final OnchainSettings settings;
  private final Clock clock;
  private final StepLoop loop;

  private final LogWatcher watcher;
  private final RequestChain requests;
  private final FulfilSteps steps;
  private final SettleSteps settles;
  private final NodeMetrics.Counter seen;
  private final NodeMetrics.Counter skipped;
  private final NodeMetrics.Counter proposals;

  RequestWatcher(
      VerinferChain chain,
      RequestChain requests,
      ModelRunner runner,
      SqliteRequestStore store,
      OnchainSettings settings,
      NodeMetrics metrics,
      Clock clock) {
    this.me = chain.account();
    this.coordinator = chain.coordinator().address();
    this.runner = Objects.requireNonNull(runner, "runner");
    this.store = Objects.requireNonNull(store, "store");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.requests = Objects.requireNonNull(requests, "requests");
    // its own thread: a model run or an RPC outage must not hold up the settler or the duty
    this.loop =
        new StepLoop(
            LOG,
            "onchain-requests-" + me.value().substring(0, 10),
            "on-chain request",
            settings.pollInterval(),
            MAX_STEPS_PER_TICK);
    this.watcher =
        loop.watch(
            chain,
            coordinator.value(),
            List.of(
                // all three index (id, provider): one filter, one cursor
                List.of(
                    RequestEvent.REQUESTED_TOPIC,
                    RequestEvent.REASSIGNED_TOPIC,
                    ProposalEvent.TOPIC),
                List.of(),
                List.of(RequestEvent.providerTopic(me))),
            settings.confirmations(),
            store.cursor("InferenceRequested@" + coordinator.value()),
            this::onLog);
    InferenceCoordinator binding =
        InferenceCoordinator.load(
            coordinator.value(), chain.web3j(), chain.sender(), new DefaultGasProvider());
    CoordinatorSteps.Context context =
        new CoordinatorSteps.Context(requests, binding, store, settings, clock);
    FulfilSteps.Metrics fulfilMetrics = FulfilSteps.Metrics.registerIn(metrics);
    this.steps = new FulfilSteps(context, runner, fulfilMetrics);
    this.settles =
        new SettleSteps(context, SettleSteps.Metrics.registerIn(metrics, fulfilMetrics.gasWaits()));
    this.seen =
        metrics.counter(
            "verinfer_onchain_requests_seen_total",
            "On-chain requests assigned to this node (a reassignment counts again)");
    this.skipped =
        metrics.counter(
            "verinfer_onchain_skipped_total",
            "On-chain requests assigned to this node that it does not answer (model not served,"
                + " mode not handled)");
    this.proposals =
        metrics.counter(
            "verinfer_onchain_proposed_total",
            "Optimistic answers of this node seen proposed on the chain (each is then settled)");
    metrics.counter(
        "verinfer_onchain_log_poll_failures_total",
        "Polls for InferenceRequested / Reassigned / InferenceProposed events that failed (RPC"
            + " errors)",
        watcher::failedPolls);
    metrics.gauge(
        "verinfer_onchain_open",
        "On-chain requests assigned to this node and not finished yet",
        () -> store.open().size());
    metrics.gauge(
        "verinfer_onchain_proposals_open",
        "Optimistic answers of this node proposed and not settled yet",
        () -> store.openProposals().size());
  }

  /**
   * Opens the state file and starts watching, fulfilling and settling on the watcher's own thread.
   *
   * @param engine the node's engine, the one its HTTP API runs
   * @param servedName the served name of an on-chain model id, if this node serves it
   */
  public static RequestWatcher start(
      VerinferChain chain,
      InferenceEngine engine,
      Function<ModelId, Optional<String>> servedName,
      OnchainSettings settings,
      NodeMetrics metrics) {
    return start(chain, engine, Optional.empty(), servedName, settings, metrics);
  }

  /**
   * {@link #start(VerinferChain, InferenceEngine, Function, OnchainSettings, NodeMetrics)} for a
   * node that also serves text models through {@code texts}.
   */
  public static RequestWatcher start(
      VerinferChain chain,
      InferenceEngine engine,
      Optional<io.verinfer.runtime.textgen.TextGenerator> texts,
      Function<ModelId, Optional<String>> servedName,
      OnchainSettings settings,
      NodeMetrics metrics) {
    if (!settings.enabled()) {
      throw new IllegalArgumentException("the request watcher is turned off in its settings");
    }
    SqliteRequestStore store = new SqliteRequestStore(settings.stateFile());
    RequestWatcher watcher;
    try {
      watcher =
          new RequestWatcher(
              chain,
              new LiveRequestChain(chain),
              new ModelRunner(engine, texts, servedName),
              store,
              settings,
              metrics,
              Clock.systemUTC());
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    watcher.start();
    return watcher;
  }

  void start() {
    LOG.info(
        "on-chain requests on for {}: watching InferenceCoordinator {} from block {}, {}"
            + " confirmations",
        me,
        coordinator,
        watcher.nextBlock(),
        settings.confirmations());
    loop.start(this::tick);
  }

  /** The assignments' and proposals' state: for tests. */
  SqliteRequestStore store() {
    return store;
  }

  private void onLog(Log log) {
    if (!log.getTopics().isEmpty() && ProposalEvent.TOPIC.equals(log.getTopics().get(0))) {
      onProposed(ProposalEvent.of(log));
    } else {
      onAssigned(RequestEvent.of(log));
    }
  }

  private void onProposed(ProposalEvent event) {
    Proposed p = event.proposed();
    if (!p.ticket().provider().equals(me) || !store.addProposal(event)) {
      return; // not ours (the topic filter should have left it out), or delivered again
    }
    proposals.inc();
    LOG.info(
        "request {}: this node's answer proposed in block {}; its challenge window closes at {}"
            + " (chain time), then the node settles it",
        p.id(),
        p.block(),
        p.ticket().deadline());
  }

  private void onAssigned(RequestEvent event) {
    Requested r = event.requested();
    if (!r.ticket().provider().equals(me)) {
      return; // the topic filter should have left it out
    }
    String skip = null;
    int mode = r.ticket().mode();
    if (mode != InferenceCoordinatorFacade.MODE_NONE
        && mode != InferenceCoordinatorFacade.MODE_OPTIMISTIC) {
      skip = "mode " + mode + " is not handled (only MODE_NONE and MODE_OPTIMISTIC)";
    } else if (!runner.serves(r.ticket().model())) {
      skip = "this node does not serve model " + r.ticket().model().value();
    }
    Assignment.State state = skip == null ? Assignment.State.SEEN : Assignment.State.SKIPPED;
    if (!store.add(event, state, skip)) {
      return; // delivered again after a restart
    }
    seen.inc();
    if (skip != null) {
      skipped.inc();
      LOG.warn("request {} assigned to this node, skipped: {}", r.id(), skip);
      return;
    }
    LOG.info(
        "request {} {} this node at its price: model {}, mode {}, {} input bytes, callback gas"
            + " {}, requester {}, deadline {} (block {})",
        r.id(),
        event.reassignment() ? "reassigned to" : "assigned to",
        r.ticket().model().value(),
        mode == InferenceCoordinatorFacade.MODE_NONE ? "none" : "optimistic",
        r.input().length,
        r.ticket().callbackGasLimit(),
        r.ticket().requester(),
        r.ticket().deadline(),
        r.block());
  }

  /**
   * One pass over the open assignments, then the open proposals (one head read for all of them), on
   * the watcher thread.
   */
  synchronized void tick() {
    Instant wall = clock.instant();
    for (Assignment open : store.open()) {
      if (loop.closed()) {
        return;
      }
      String key = open.key();
      loop.step(
          key, "request " + open.requestId(), () -> steps.step(store.get(key).orElseThrow()), wall);
    }
    List<Proposal> waiting = store.openProposals();
    if (waiting.isEmpty() || loop.closed()) {
      return;
    }
    Optional<RequestChain.Head> head =
        loop.attempt(HEAD, "settling: reading the chain's head", requests::head, wall);
    if (head.isEmpty()) {
      return;
    }
    for (Proposal open : waiting) {
      if (loop.closed()) {
        return;
      }
      String key = open.key();
      loop.step(
          "settle " + key,
          "request " + open.requestId(),
          () -> settles.step(store.proposal(key).orElseThrow(), head.get()),
          wall);
    }
  }

  /**
   * Stops watching, fulfilling and settling; a step in progress may finish first, for up to 30
   * seconds. Then closes the state file.
   */
  @Override
  public void close() {
    loop.close();
    synchronized (this) {
      store.close();
    }
  }
}
