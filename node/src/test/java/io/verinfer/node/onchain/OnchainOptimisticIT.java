package io.verinfer.node.onchain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.bindings.FraudScoreConsumer;
import io.verinfer.chain.bindings.InferenceCoordinator.InferenceFulfilledEventResponse;
import io.verinfer.chain.facade.InferenceCoordinatorFacade;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Proposed;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Requested;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.node.onchain.Assignment.State;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Optimistic on-chain requests answered by a real paid provider node ({@link OnchainProvider}: the
 * real {@code fraud-detect} model on the shared devnet) with nobody driving it: a contract asks for
 * a score optimistically; the node proposes its answer, which the contract does not receive during
 * the challenge window (the default 10 minutes, passed with {@code evm_increaseTime}); then the
 * node settles by itself and the contract receives the engine's score, once. Then a stop during the
 * window, and a stop between sending the settle and its mining: each request is still settled
 * exactly once.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OnchainOptimisticIT {
  @RegisterExtension static final OnchainScene scene = new OnchainScene();
  private static final Address ME = OnchainScene.ME;

  private static VerinferChain owner;
  private static InferenceCoordinatorFacade coordinator;
  private static FraudScoreConsumer consumer;

  @BeforeAll
  static void deployTheConsumer() throws Exception {
    scene.listCommitteeCandidates();
    owner = scene.actors.consumer(1);
    coordinator = owner.coordinator();
    consumer = scene.deployConsumer(owner);
  }

  /**
   * The consumer contract asks for a score in {@code MODE_OPTIMISTIC}; one confirmation follows.
   */
  private static Requested requestOptimistic() {
    Requested r = OnchainScene.requestScore(owner, consumer, true);
    assertThat(r.ticket().mode()).isEqualTo(InferenceCoordinatorFacade.MODE_OPTIMISTIC);
    assertThat(r.ticket().provider()).isEqualTo(ME);
    SharedDevnet.mine();
    return r;
  }

  /** Waits for the node's proposal to be mined, confirmed and recorded; returns it. */
  private static Proposed proposed(Requested r) throws InterruptedException {
    OnchainProvider.await(
        "request " + r.id() + " proposed",
        () -> scene.provider.states(r.id()).equals(List.of(State.DONE)));
    SharedDevnet.mine(); // the proposal's confirmation
    OnchainProvider.await(
        "the proposal of " + r.id() + " recorded",
        () -> scene.provider.proposals(r.id()).equals(List.of(Proposal.State.WAITING)));
    return scene.provider.store().proposalsOf(r.id()).get(0).event().proposed();
  }

  private static void windowPasses(Proposed p) {
    SharedDevnet.increaseTime(
        p.ticket().deadline().getEpochSecond() - SharedDevnet.latestTimestamp() + 1);
  }

  private static boolean answered(long id) {
    return OnchainScene.answered(consumer, id);
  }

  /** The engine's output for the request's input, and the score the contract should keep. */
  private static byte[] engineOutput(Requested r) {
    List<Tensor> input = CanonicalTensors.decode(r.input());
    return CanonicalTensors.encode(scene.provider.node().engine().infer("fraud-detect", input));
  }

  private static BigInteger scoreMicros(byte[] output) {
    return OnchainScene.scoreMicros(CanonicalTensors.decode(output).get(0).toFloats()[0]);
  }

  private static InferenceFulfilledEventResponse fulfilledOnce(long id) {
    return scene.fulfilledOnce(id);
  }

  @Test
  @Order(1)
  void theAnswerIsProposedWithheldThroughTheWindowAndSettledByTheNodeAfterIt() throws Exception {
    TokenAmount earningsBefore = coordinator.earningsOf(ME);
    Requested r = requestOptimistic();
    Proposed p = proposed(r);
    byte[] output = engineOutput(r);
    assertThat(p.output()).isEqualTo(output);
    assertThat(p.ticket().outputHash()).isEqualTo(Bytes32.keccak256(output));
    long window = p.ticket().deadline().getEpochSecond() - scene.record.blockTime(p.block());
    assertThat(window).isEqualTo(Duration.ofMinutes(10).toSeconds());

    // the window is open: no callback, no payment, no settle, however long the node polls
    Thread.sleep(2_000);
    assertThat(answered(r.id())).isFalse();
    assertThat(coordinator.isPending(r.id())).isTrue();
    assertThat(scene.record.fulfilments(r.id())).isEmpty();
    assertThat(coordinator.earningsOf(ME)).isEqualTo(earningsBefore);
    assertThat(scene.record.sentToCoordinator(ME, r.block())).hasSize(1); // the proposal only
    assertThat(scene.provider.proposals(r.id())).containsExactly(Proposal.State.WAITING);

    long closedAt = scene.record.head() + 1; // the block evm_increaseTime mines
    windowPasses(p);
    long closedNanos = System.nanoTime();
    OnchainProvider.await("the consumer's callback", () -> answered(r.id()));
    long millis = (System.nanoTime() - closedNanos) / 1_000_000;
    OnchainProvider.await(
        "the settle recorded",
        () -> scene.provider.proposals(r.id()).equals(List.of(Proposal.State.SETTLED)));

    assertThat(consumer.scoreOf(BigInteger.valueOf(r.id())).send()).isEqualTo(scoreMicros(output));
    InferenceFulfilledEventResponse delivered = fulfilledOnce(r.id());
    assertThat(delivered.callbackSucceeded).isTrue();
    assertThat(Bytes32.of(delivered.outputHash)).isEqualTo(Bytes32.keccak256(output));
    assertThat(coordinator.isPending(r.id())).isFalse();
    assertThat(coordinator.earningsOf(ME).compareTo(earningsBefore)).isPositive();
    List<ChainRecord.Sent> sent = scene.record.sentToCoordinator(ME, r.block());
    assertThat(sent).hasSize(2).allMatch(ChainRecord.Sent::succeeded); // propose, settle
    assertThat(sent.get(1).hash()).isEqualTo(delivered.log.getTransactionHash());
    assertThat(scene.provider.store().proposalsOf(r.id()).get(0).settleTx())
        .isEqualTo(sent.get(1).hash());
    assertThat(scene.provider.metric("verinfer_onchain_settled_total")).isEqualTo(1.0);
    assertThat(scene.provider.metric("verinfer_onchain_proposed_total")).isEqualTo(1.0);
    assertThat(scene.provider.metric("verinfer_onchain_proposals_open")).isZero();
    long settledIn = delivered.log.getBlockNumber().longValueExact();
    System.out.printf(
        "optimistic request %d: score %s; requested in block %d, proposed in %d (gas %s), window"
            + " of %d s (chain time) closed by block %d, settled in %d (%d blocks after the"
            + " proposal, %d after the window closed, %d ms wall), settle gas used %s%n",
        r.id(),
        scoreMicros(output),
        r.block(),
        p.block(),
        sent.get(0).gasUsed(),
        window,
        closedAt,
        settledIn,
        settledIn - p.block(),
        settledIn - closedAt,
        millis,
        sent.get(1).gasUsed());
  }

  @Test
  @Order(2)
  void aNodeStoppedDuringTheWindowSettlesOnceAfterItsRestart() throws Exception {
    Requested r = requestOptimistic();
    Proposed p = proposed(r);
    scene.provider.stop();
    windowPasses(p);
    SharedDevnet.mine();
    assertThat(answered(r.id())).isFalse();

    scene.provider.restart();
    OnchainProvider.await("the consumer's callback", () -> answered(r.id()));
    OnchainProvider.await(
        "the settle recorded",
        () -> scene.provider.proposals(r.id()).equals(List.of(Proposal.State.SETTLED)));
    assertThat(consumer.scoreOf(BigInteger.valueOf(r.id())).send())
        .isEqualTo(scoreMicros(engineOutput(r)));
    fulfilledOnce(r.id());
    assertThat(scene.record.sentToCoordinator(ME, r.block()))
        .hasSize(2)
        .allMatch(ChainRecord.Sent::succeeded);
    assertThat(scene.provider.states(r.id())).containsExactly(State.DONE); // not proposed again
  }

  @Test
  @Order(3)
  void aStopBetweenSendingTheSettleAndItsMiningNeitherLosesNorRepeatsIt() throws Exception {
    Requested r = requestOptimistic();
    Proposed p = proposed(r);
    SharedDevnet.automine(false); // the settle will wait in the pool until the test mines
    long nonceBefore = scene.record.pendingNonce(ME);
    windowPasses(p);
    OnchainProvider.await(
        "the settle sent",
        () -> scene.provider.proposals(r.id()).equals(List.of(Proposal.State.SENT)));
    String tx = scene.provider.store().proposalsOf(r.id()).get(0).settleTx();
    scene.assertOneSentSince(nonceBefore);

    scene.provider.restart();
    Thread.sleep(2_000); // ten polls of the restarted node with its settle still in the pool
    assertThat(scene.provider.proposals(r.id())).containsExactly(Proposal.State.SENT);
    assertThat(scene.provider.store().proposalsOf(r.id()).get(0).settleTx()).isEqualTo(tx);
    assertThat(scene.record.pendingNonce(ME)).isEqualTo(nonceBefore + 1); // nothing else sent
    assertThat(answered(r.id())).isFalse();

    SharedDevnet.mine();
    OnchainProvider.await(
        "the settle recorded",
        () -> scene.provider.proposals(r.id()).equals(List.of(Proposal.State.SETTLED)));
    assertThat(answered(r.id())).isTrue();
    assertThat(fulfilledOnce(r.id()).log.getTransactionHash()).isEqualTo(tx);
    assertThat(scene.record.sentToCoordinator(ME, r.block()))
        .hasSize(2)
        .allMatch(ChainRecord.Sent::succeeded);
    assertThat(scene.provider.store().proposalsOf(r.id()).get(0).attempts()).isEqualTo(1);
    // this run's: the counters start again with the node
    assertThat(scene.provider.metric("verinfer_onchain_settled_total")).isEqualTo(1.0);
  }
}
