package io.verinfer.node.onchain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.tx.ChainException;
import io.verinfer.node.metrics.NodeMetrics;
import io.verinfer.node.onchain.Proposal.State;
import io.verinfer.node.onchain.RequestChain.TxStatus;
import io.verinfer.protocol.ModelId;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The settle state machine on real SQLite against an in-memory chain: an optimistic answer this
 * node proposed is settled once, after its challenge window by the chain's clock and after any
 * dispute over it is resolved, across restarts, lost transactions and RPC errors.
 */
class OnchainSettleTest extends AbstractStepsTest {
  private static final byte[] INPUT = "VTN1 input".getBytes(StandardCharsets.UTF_8);
  private static final byte[] OUTPUT = "VTN1 output".getBytes(StandardCharsets.UTF_8);
  private static final Duration WINDOW = Duration.ofMinutes(10);

  private final NodeMetrics.Counter gasWaits = metrics.counter("gas_waits_total", "gas waits");
  private final SettleSteps.Metrics counters = SettleSteps.Metrics.registerIn(metrics, gasWaits);
  private SettleSteps steps;

  @Override
  void newSteps(CoordinatorSteps.Context context) {
    steps = new SettleSteps(context, counters);
  }

  /**
   * Records this node's proposal for request {@code id} as the watcher would (window closing {@link
   * #WINDOW} after the chain's time now), the request pending and optimistic on the chain.
   */
  private ProposalEvent propose(long id) {
    OnchainEvents.Spec spec =
        OnchainEvents.spec(id, ModelId.of(3), chain.time.plus(WINDOW), INPUT).withMode(1);
    ProposalEvent event = OnchainEvents.proposal(spec, OUTPUT);
    store.addProposal(event);
    chain.pending.add(id);
    chain.optimistic.add(id);
    return event;
  }

  /** Steps until the proposal rests, as one tick of the watcher does (one head for the tick). */
  private Proposal tick(String key) {
    RequestChain.Head head = chain.head();
    for (int i = 0; i < 3 && steps.step(get(key), head); i++) {}
    return get(key);
  }

  private Proposal get(String key) {
    return store.proposal(key).orElseThrow();
  }

  private void windowCloses() {
    chain.time = chain.time.plus(WINDOW).plusSeconds(1);
  }

  @Test
  void anUnchallengedProposalIsSettledOnceAfterItsWindowByTheChainsClock() {
    ProposalEvent event = propose(1);
    String key = event.key();
    assertThat(tick(key).state()).isEqualTo(State.WAITING);
    clock.advance(WINDOW.multipliedBy(2)); // the wall clock means nothing to the window
    chain.time = chain.time.plus(WINDOW); // exactly the deadline: settle would still revert
    assertThat(tick(key).state()).isEqualTo(State.WAITING);
    assertThat(chain.broadcast).isEmpty();

    chain.time = chain.time.plusSeconds(1);
    Proposal sent = tick(key);
    assertThat(sent.state()).isEqualTo(State.SENT);
    assertThat(chain.broadcast).containsExactly(sent.settleTx());
    // the proposed ticket and output exactly as the event carried them
    assertThat(chain.calls).containsExactly(event.settleCall(OnchainEvents.binding()));
    // settle runs the callback: the same gas floor as a fulfilment, fees capped
    assertThat(chain.lastGas.minGasLimit()).isEqualTo(BigInteger.valueOf(351_588));
    assertThat(chain.lastGas.maxFeePerGas()).isEqualTo(BigInteger.valueOf(3_000_000_000L));
    assertThat(counters.transactions().value()).isEqualTo(1.0);

    assertThat(tick(key).state()).isEqualTo(State.SENT); // not mined yet: waits
    chain.mine(sent.settleTx());
    assertThat(chain.isPending(1)).isFalse();
    assertThat(tick(key).state()).isEqualTo(State.SETTLED);
    assertThat(tick(key).state()).isEqualTo(State.SETTLED);
    assertThat(counters.settled().value()).isEqualTo(1.0);
    assertThat(chain.broadcast).hasSize(1);
  }

  @Test
  void aProposalSomeoneElseSettledEndsWithoutATransaction() {
    String key = propose(2).key();
    chain.pending.remove(2L); // the requester settled it
    windowCloses();
    Proposal ended = tick(key);
    assertThat(ended.state()).isEqualTo(State.ENDED);
    assertThat(ended.note()).contains("someone else");
    assertThat(chain.broadcast).isEmpty();
    assertThat(counters.settledElsewhere().value()).isEqualTo(1.0);
  }

  @Test
  void aChallengedProposalWaitsForItsDisputeAndAsksAgainOnlyAfterThePause() {
    String key = propose(3).key();
    chain.disputes.put(3L, 17L);
    windowCloses();
    assertThat(tick(key).state()).isEqualTo(State.WAITING);
    assertThat(chain.broadcast).isEmpty();
    // resolved now, but the node asks about the dispute again only after the recheck pause
    chain.resolvedDisputes.add(17L);
    clock.advance(SettleSteps.DISPUTE_RECHECK.minusSeconds(1));
    assertThat(tick(key).state()).isEqualTo(State.WAITING);
    assertThat(chain.broadcast).isEmpty();
    clock.advance(Duration.ofSeconds(1));
    Proposal sent = tick(key);
    assertThat(sent.state()).isEqualTo(State.SENT); // cleared or not: settle decides on chain
    chain.mine(sent.settleTx());
    assertThat(tick(key).state()).isEqualTo(State.SETTLED);
  }

  @Test
  void aRestartWhileTheSettleIsInThePoolWaitsForItInsteadOfSendingAgain() {
    String key = propose(4).key();
    windowCloses();
    String tx = tick(key).settleTx();
    reopen();
    clock.advance(Duration.ofMinutes(10)); // long after resendAfter: the pool still has it
    assertThat(tick(key).state()).isEqualTo(State.SENT);
    assertThat(chain.broadcast).containsExactly(tx);
    chain.mine(tx);
    reopen();
    assertThat(tick(key).state()).isEqualTo(State.SETTLED);
    assertThat(chain.broadcast).containsExactly(tx);
  }

  @Test
  void aCrashAfterRecordingTheHashButBeforeTheBroadcastSettlesOnceAfterResendAfter() {
    String key = propose(5).key();
    windowCloses();
    chain.crashBeforeBroadcast = true;
    assertThatThrownBy(() -> tick(key)).isInstanceOf(ChainException.class);
    assertThat(get(key).state()).isEqualTo(State.SENT);
    assertThat(chain.broadcast).isEmpty();

    chain.crashBeforeBroadcast = false;
    reopen();
    assertThat(tick(key).state()).isEqualTo(State.SENT); // may still show up: wait resendAfter
    assertThat(chain.broadcast).isEmpty();
    clock.advance(settings.resendAfter());
    Proposal resent = tick(key);
    assertThat(resent.state()).isEqualTo(State.SENT);
    assertThat(resent.attempts()).isEqualTo(2);
    assertThat(chain.broadcast).containsExactly(resent.settleTx());
    chain.mine(resent.settleTx());
    assertThat(tick(key).state()).isEqualTo(State.SETTLED);
  }

  @Test
  void aLostSettleOfARequestSomeoneElseSettledIsNotSentAgain() {
    String key = propose(6).key();
    windowCloses();
    String tx = tick(key).settleTx();
    chain.drop(tx);
    chain.pending.remove(6L);
    clock.advance(Duration.ofMinutes(5));
    Proposal ended = tick(key);
    assertThat(ended.state()).isEqualTo(State.ENDED);
    assertThat(ended.note()).contains("never reached the chain");
    assertThat(chain.broadcast).containsExactly(tx);
  }

  @Test
  void aRevertedSettleIsRetriedUpToMaxAttemptsThenFails() {
    String key = propose(7).key();
    windowCloses();
    for (int attempt = 1; attempt <= settings.maxAttempts(); attempt++) {
      Proposal sent = tick(key);
      assertThat(sent.attempts()).isEqualTo(attempt);
      chain.txs.put(sent.settleTx(), TxStatus.REVERTED); // e.g. out of gas; still pending
    }
    Proposal failed = tick(key);
    assertThat(failed.state()).isEqualTo(State.FAILED);
    assertThat(failed.note()).contains("reverted").contains("3 attempts");
    assertThat(chain.broadcast).hasSize(settings.maxAttempts());
    assertThat(counters.failed().value()).isEqualTo(1.0);
  }

  @Test
  void aSettleThatRevertedBecauseSomeoneElseSettledFirstEnds() {
    String key = propose(8).key();
    windowCloses();
    String tx = tick(key).settleTx();
    chain.pending.remove(8L);
    chain.txs.put(tx, TxStatus.REVERTED);
    assertThat(tick(key).state()).isEqualTo(State.ENDED);
    assertThat(chain.broadcast).hasSize(1);
  }

  @Test
  void anEstimateThatRevertsSendsNothing() {
    String key = propose(9).key();
    windowCloses();
    chain.estimateReverts = revert("ChallengeWindowOpen"); // the chain's clock lags: later
    assertThat(tick(key).state()).isEqualTo(State.WAITING);
    chain.estimateReverts = revert("OutputMismatch");
    Proposal failed = tick(key);
    assertThat(failed.state()).isEqualTo(State.FAILED);
    assertThat(failed.settleTx()).isNull();
    assertThat(chain.broadcast).isEmpty();

    // pending, but not with this ticket (e.g. a reorg deeper than the confirmations)
    String other = propose(10).key();
    windowCloses();
    chain.estimateReverts = revert("RequestNotPending");
    Proposal stale = tick(other);
    assertThat(stale.state()).isEqualTo(State.FAILED);
    assertThat(stale.note()).contains("not the one on chain");
    assertThat(chain.broadcast).isEmpty();
  }

  @Test
  void gasAboveTheCapWaitsThenSettlesWhenItFalls() {
    settings =
        settings.withGas(GasPolicy.defaults().withMaxGasPrice(BigInteger.valueOf(2_000_000_000L)));
    reopen();
    String key = propose(11).key();
    windowCloses();
    chain.baseFee = BigInteger.valueOf(1_500_000_000L); // + 1 gwei tip > 2 gwei
    assertThat(tick(key).state()).isEqualTo(State.WAITING);
    assertThat(chain.broadcast).isEmpty();
    assertThat(gasWaits.value()).isEqualTo(1.0);
    chain.baseFee = BigInteger.valueOf(800_000_000L);
    assertThat(tick(key).state()).isEqualTo(State.SENT);
    assertThat(chain.lastGas.maxFeePerGas()).isEqualTo(BigInteger.valueOf(2_000_000_000L));
  }

  @Test
  void anRpcOutageFailsTheStepAndLeavesTheStateAsItWas() {
    String key = propose(12).key();
    windowCloses();
    RequestChain.Head head = chain.head();
    chain.down = true;
    assertThatThrownBy(() -> steps.step(get(key), head)).isInstanceOf(ChainException.class);
    assertThat(get(key).state()).isEqualTo(State.WAITING);
    chain.down = false;
    String tx = tick(key).settleTx();
    chain.down = true;
    assertThatThrownBy(() -> steps.step(get(key), head)).isInstanceOf(ChainException.class);
    assertThat(get(key).state()).isEqualTo(State.SENT);
    chain.down = false;
    chain.mine(tx);
    assertThat(tick(key).state()).isEqualTo(State.SETTLED);
    assertThat(chain.broadcast).containsExactly(tx);
  }

  private static ContractRevertException revert(String error) {
    return new ContractRevertException("InferenceCoordinator", error, List.of(), "0x");
  }
}
