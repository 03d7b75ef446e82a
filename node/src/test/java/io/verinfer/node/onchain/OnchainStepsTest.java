package io.verinfer.node.onchain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.tx.ChainException;
import io.verinfer.node.NodeApiTest;
import io.verinfer.node.onchain.Assignment.State;
import io.verinfer.node.onchain.RequestChain.TxStatus;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Tensor;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.onnx.OnnxInferenceEngine;
import io.verinfer.runtime.store.LocalModelStore;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.utils.Numeric;

/**
 * The fulfilment state machine on real SQLite and a real ONNX model (y = 2x + 1), against an
 * in-memory chain: every path that could fulfil twice, or fulfil too late, or overpay.
 */
class OnchainStepsTest extends AbstractStepsTest {
  @TempDir static Path models;

  private static final ModelId MODEL = ModelId.of(3);
  private static final byte[] INPUT =
      CanonicalTensors.encode(
          List.of(Tensor.ofFloats("x", new long[] {1, 3}, new float[] {1, 2, 3})));
  private static final byte[] OUTPUT =
      CanonicalTensors.encode(
          List.of(Tensor.ofFloats("y", new long[] {1, 3}, new float[] {3, 5, 7})));
  private static OnnxInferenceEngine engine;

  private final FulfilSteps.Metrics counters = FulfilSteps.Metrics.registerIn(metrics);
  private FulfilSteps steps;

  @BeforeAll
  static void loadModel() {
    LocalModelStore files = new LocalModelStore(models.resolve("store"));
    Cid cid = files.put(NodeApiTest.doubler());
    engine = new OnnxInferenceEngine(files, EngineConfig.defaults());
    engine.deploy(NodeApiTest.doublerSpec(cid));
  }

  @AfterAll
  static void closeEngine() {
    engine.close();
  }

  @Override
  void newSteps(CoordinatorSteps.Context context) {
    ModelRunner runner =
        new ModelRunner(engine, id -> id.equals(MODEL) ? Optional.of("doubler") : Optional.empty());
    steps = new FulfilSteps(context, runner, counters);
  }

  private OnchainEvents.Spec spec(long id) {
    return OnchainEvents.spec(id, MODEL, chain.time.plusSeconds(300), INPUT);
  }

  /** Records an assignment as the watcher would and makes its request pending on the chain. */
  private String assign(OnchainEvents.Spec spec) {
    RequestEvent event = OnchainEvents.event(spec);
    store.add(event, State.SEEN, null);
    chain.pending.add(spec.id());
    return event.key();
  }

  /** Steps until the assignment rests, as one tick of the watcher does. */
  private Assignment settle(String key) {
    for (int i = 0; i < 3 && steps.step(store.get(key).orElseThrow()); i++) {}
    return store.get(key).orElseThrow();
  }

  private Assignment get(String key) {
    return store.get(key).orElseThrow();
  }

  @Test
  void aRequestIsRunSentAndDoneOnceItsFulfilmentIsMined() {
    String key = assign(spec(1));
    Assignment sent = settle(key);
    assertThat(sent.state()).isEqualTo(State.SENT);
    assertThat(chain.broadcast).containsExactly(sent.fulfilTx());
    // the model's canonical output travels in the fulfil call, with the event's ticket
    assertThat(chain.calls.get(0)).contains(Numeric.toHexStringNoPrefix(OUTPUT));
    assertThat(chain.calls.get(0))
        .isEqualTo(OnchainEvents.event(spec(1)).fulfilCall(OnchainEvents.binding(), OUTPUT));
    // the gas policy: at least overhead + callback × 64/63 + margin, fees capped
    assertThat(chain.lastGas.minGasLimit()).isEqualTo(BigInteger.valueOf(351_588));
    assertThat(chain.lastGas.maxFeePerGas()).isEqualTo(BigInteger.valueOf(3_000_000_000L));

    assertThat(settle(key).state()).isEqualTo(State.SENT); // not mined yet: waits
    chain.mine(sent.fulfilTx());
    assertThat(settle(key).state()).isEqualTo(State.DONE);
    assertThat(counters.fulfilled().value()).isEqualTo(1.0);
    assertThat(counters.transactions().value()).isEqualTo(1.0);
    assertThat(settle(key).state()).isEqualTo(State.DONE);
    assertThat(chain.broadcast).hasSize(1);
  }

  @Test
  void anOptimisticRequestIsFulfilledLikeOneInModeNoneAndItsProposalIsDone() {
    OnchainEvents.Spec optimistic = spec(13).withMode(1);
    String key = assign(optimistic);
    chain.optimistic.add(13L);
    Assignment sent = settle(key);
    assertThat(sent.state()).isEqualTo(State.SENT);
    assertThat(chain.calls)
        .containsExactly(
            OnchainEvents.event(optimistic).fulfilCall(OnchainEvents.binding(), OUTPUT));
    assertThat(chain.lastGas.minGasLimit()).isEqualTo(BigInteger.valueOf(351_588));
    chain.mine(sent.fulfilTx());
    assertThat(chain.isPending(13)).isTrue(); // proposed: pending until settled
    assertThat(settle(key).state()).isEqualTo(State.DONE);
    assertThat(settle(key).state()).isEqualTo(State.DONE);
    assertThat(chain.broadcast).hasSize(1);
    assertThat(counters.fulfilled().value()).isEqualTo(1.0);
  }

  @Test
  void aRestartWhileTheFulfilmentIsInThePoolWaitsForItInsteadOfSendingAgain() {
    String key = assign(spec(2));
    String tx = settle(key).fulfilTx();
    reopen();
    clock.advance(Duration.ofMinutes(10)); // long after resendAfter: the pool still has it
    assertThat(settle(key).state()).isEqualTo(State.SENT);
    assertThat(chain.broadcast).containsExactly(tx);
    chain.mine(tx);
    reopen();
    assertThat(settle(key).state()).isEqualTo(State.DONE);
    assertThat(chain.broadcast).containsExactly(tx);
  }

  @Test
  void aCrashAfterRecordingTheHashButBeforeTheBroadcastSendsOnceAfterResendAfter() {
    String key = assign(spec(3));
    chain.crashBeforeBroadcast = true;
    assertThatThrownBy(() -> settle(key)).isInstanceOf(ChainException.class);
    Assignment recorded = get(key);
    assertThat(recorded.state()).isEqualTo(State.SENT);
    assertThat(chain.broadcast).isEmpty();

    chain.crashBeforeBroadcast = false;
    reopen();
    // the chain does not know the hash: it may still show up, so wait resendAfter first
    assertThat(settle(key).state()).isEqualTo(State.SENT);
    assertThat(chain.broadcast).isEmpty();
    clock.advance(settings.resendAfter());
    Assignment resent = settle(key);
    assertThat(resent.state()).isEqualTo(State.SENT);
    // signed again with the nonce the lost transaction had: at most one of them could ever mine
    assertThat(chain.lastGas).isNotNull();
    assertThat(resent.attempts()).isEqualTo(2);
    assertThat(chain.broadcast).containsExactly(resent.fulfilTx());
    chain.mine(resent.fulfilTx());
    assertThat(settle(key).state()).isEqualTo(State.DONE);
  }

  @Test
  void aDroppedFulfilmentWhoseNonceAnotherTransactionTookIsSentAgainAtOnce() {
    String key = assign(spec(4));
    String tx = settle(key).fulfilTx();
    chain.drop(tx);
    chain.minedNonce = chain.minedNonce.add(BigInteger.ONE); // e.g. a redemption took the nonce
    assertThat(settle(key).fulfilTx()).isNotEqualTo(tx);
    assertThat(chain.broadcast).hasSize(2);
    assertThat(get(key).note()).isNull(); // cleared by the new send
  }

  @Test
  void anUnknownFulfilmentOfARequestNoLongerPendingIsNotSentAgain() {
    String key = assign(spec(5));
    String tx = settle(key).fulfilTx();
    chain.drop(tx);
    chain.pending.remove(5L); // cancelled by the requester after the deadline
    clock.advance(Duration.ofMinutes(5));
    Assignment closed = settle(key);
    assertThat(closed.state()).isEqualTo(State.EXPIRED);
    assertThat(closed.note()).contains("never reached the chain");
    assertThat(chain.broadcast).containsExactly(tx);
    assertThat(counters.expired().value()).isEqualTo(1.0);
  }

  @Test
  void gasAboveTheCapWaitsThenSendsWhenItFalls() {
    settings =
        settings.withGas(GasPolicy.defaults().withMaxGasPrice(BigInteger.valueOf(2_000_000_000L)));
    reopen();
    String key = assign(spec(6));
    chain.baseFee = BigInteger.valueOf(1_500_000_000L); // + 1 gwei tip > 2 gwei
    assertThat(settle(key).state()).isEqualTo(State.SEEN);
    assertThat(settle(key).state()).isEqualTo(State.SEEN);
    assertThat(chain.broadcast).isEmpty();
    assertThat(counters.gasWaits().value()).isEqualTo(2.0);
    chain.baseFee = BigInteger.valueOf(800_000_000L);
    assertThat(settle(key).state()).isEqualTo(State.SENT);
    // never more than the cap per gas, though 2 × base fee + tip would be 2.6 gwei
    assertThat(chain.lastGas.maxFeePerGas()).isEqualTo(BigInteger.valueOf(2_000_000_000L));
  }

  @Test
  void nothingIsSentTooCloseToTheDeadline() {
    String key = assign(spec(7));
    chain.time = chain.time.plusSeconds(300).minus(settings.deadlineMargin());
    Assignment closed = settle(key);
    assertThat(closed.state()).isEqualTo(State.EXPIRED);
    assertThat(closed.note()).contains("deadline");
    assertThat(chain.broadcast).isEmpty();
  }

  @Test
  void anEstimateThatRevertsSendsNothing() {
    String key = assign(spec(8));
    chain.estimateReverts =
        new ContractRevertException("InferenceCoordinator", "RequestNotPending", List.of(), "0x");
    Assignment closed = settle(key);
    assertThat(closed.state()).isEqualTo(State.EXPIRED);
    assertThat(closed.note()).contains("RequestNotPending");
    assertThat(closed.fulfilTx()).isNull();
    assertThat(chain.broadcast).isEmpty();
  }

  @Test
  void anInputTheModelRefusesFailsWithoutSending() {
    byte[] wrongShape =
        CanonicalTensors.encode(List.of(Tensor.ofFloats("x", new long[] {1, 2}, new float[2])));
    String key = assign(spec(9).withInput(wrongShape));
    Assignment failed = settle(key);
    assertThat(failed.state()).isEqualTo(State.FAILED);
    assertThat(failed.note()).contains("refused");
    assertThat(chain.broadcast).isEmpty();
    assertThat(counters.failed().value()).isEqualTo(1.0);
  }

  @Test
  void aRevertedFulfilmentIsRetriedUpToMaxAttempts() {
    String key = assign(spec(10));
    for (int attempt = 1; attempt <= settings.maxAttempts(); attempt++) {
      Assignment sent = settle(key);
      assertThat(sent.attempts()).isEqualTo(attempt);
      chain.txs.put(sent.fulfilTx(), TxStatus.REVERTED); // e.g. out of gas; still pending
    }
    Assignment failed = settle(key);
    assertThat(failed.state()).isEqualTo(State.FAILED);
    assertThat(failed.note()).contains("reverted").contains("3 attempts");
    assertThat(chain.broadcast).hasSize(settings.maxAttempts());
  }

  @Test
  void aReassignmentOfARequestThisNodeAlreadyFulfilledIsNeverSent() {
    String first = assign(spec(11));
    chain.mine(settle(first).fulfilTx());
    assertThat(settle(first).state()).isEqualTo(State.DONE);
    // a stale duplicate event, e.g. replayed by a misbehaving RPC: the chain says pending again
    String again = assign(spec(11).reassignedAt(300, chain.time.plusSeconds(600)));
    assertThat(settle(again).state()).isEqualTo(State.EXPIRED);
    assertThat(chain.broadcast).hasSize(1);
  }

  @Test
  void anRpcOutageFailsTheStepAndLeavesTheStateAsItWas() {
    String key = assign(spec(12));
    chain.down = true;
    assertThatThrownBy(() -> settle(key)).isInstanceOf(ChainException.class);
    assertThat(get(key).state()).isEqualTo(State.SEEN);
    chain.down = false;
    String tx = settle(key).fulfilTx();
    chain.down = true;
    assertThatThrownBy(() -> settle(key)).isInstanceOf(ChainException.class);
    assertThat(get(key).state()).isEqualTo(State.SENT);
    chain.down = false;
    chain.mine(tx);
    assertThat(settle(key).state()).isEqualTo(State.DONE);
    assertThat(chain.broadcast).containsExactly(tx);
  }
}
