package io.verinfer.node.onchain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.bindings.FraudScoreConsumer;
import io.verinfer.chain.bindings.InferenceCoordinator.InferenceFulfilledEventResponse;
import io.verinfer.chain.facade.InferenceCoordinatorFacade;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Proposed;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Requested;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.node.onchain.Assignment.State;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.tx.gas.DefaultGasProvider;

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
  @TempDir static Path dir;
  private static final Address ME = OnchainProvider.ME;
  private static final TokenAmount MAX_FEE = TokenAmount.of(5_000);
  private static final long[] FEATURES_MICROS = {
    250_500_000, 2_000_000, 4_000_000, 35_250_000, 3_000_000, 12_000_000, 0, 1_000_000
  };

  private static String snapshot;
  private static Actors actors;
  private static OnchainProvider provider;
  private static VerinferChain owner;
  private static InferenceCoordinatorFacade coordinator;
  private static FraudScoreConsumer consumer;
  private static ChainRecord record;

  @BeforeAll
  static void publishStartAndDeploy() throws Exception {
    snapshot = SharedDevnet.snapshot();
    actors = new Actors();
    provider = OnchainProvider.publishAndStart(actors, dir);
    owner = actors.consumer(1);
    coordinator = owner.coordinator();
    consumer =
        FraudScoreConsumer.deploy(
                owner.web3j(),
                owner.sender(),
                new DefaultGasProvider(),
                coordinator.address().value(),
                BigInteger.valueOf(provider.model().value()),
                MAX_FEE.baseUnits())
            .send();
    owner.token().approve(coordinator.address(), TokenAmount.of(1_000_000));
    coordinator.depositFor(Address.of(consumer.getContractAddress()), TokenAmount.of(100_000));
    record =
        new ChainRecord(coordinator.address(), SharedDevnet.get().deployment().deployedAtBlock());
  }

  @AfterEach
  void automineBackOn() {
    ChainRecord.automine(true);
  }

  @AfterAll
  static void stopAll() {
    if (provider != null) {
      provider.close();
    }
    if (actors != null) {
      actors.close();
    }
    if (snapshot != null) {
      SharedDevnet.revert(snapshot);
    }
  }

  /**
   * The consumer contract asks for a score in {@code MODE_OPTIMISTIC}; one confirmation follows.
   */
  private static Requested requestOptimistic() {
    List<BigInteger> features =
        Arrays.stream(FEATURES_MICROS).mapToObj(BigInteger::valueOf).toList();
    Requested r =
        coordinator
            .requested(
                owner
                    .sender()
                    .send(
                        consumer.getContractAddress(),
                        consumer.requestScoreOptimistic(features).encodeFunctionCall()))
            .get(0);
    assertThat(r.ticket().mode()).isEqualTo(InferenceCoordinatorFacade.MODE_OPTIMISTIC);
    assertThat(r.ticket().provider()).isEqualTo(ME);
    SharedDevnet.mine();
    return r;
  }

  /** Waits for the node's proposal to be mined, confirmed and recorded; returns it. */
  private static Proposed proposed(Requested r) throws InterruptedException {
    OnchainProvider.await(
        "request " + r.id() + " proposed",
        () -> provider.states(r.id()).equals(List.of(State.DONE)));
    SharedDevnet.mine(); // the proposal's confirmation
    OnchainProvider.await(
        "the proposal of " + r.id() + " recorded",
        () -> provider.proposals(r.id()).equals(List.of(Proposal.State.WAITING)));
    return provider.store().proposalsOf(r.id()).get(0).event().proposed();
  }

  private static void windowPasses(Proposed p) {
    SharedDevnet.increaseTime(
        p.ticket().deadline().getEpochSecond() - SharedDevnet.latestTimestamp() + 1);
  }

  private static boolean answered(long id) {
    try {
      return consumer.answered(BigInteger.valueOf(id)).send();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The engine's output for the request's input, and the score the contract should keep. */
  private static byte[] engineOutput(Requested r) {
    List<Tensor> input = CanonicalTensors.decode(r.input());
    return CanonicalTensors.encode(provider.node().engine().infer("fraud-detect", input));
  }

  private static BigInteger scoreMicros(byte[] output) {
    float p = CanonicalTensors.decode(output).get(0).toFloats()[0];
    return new BigDecimal(p).movePointRight(6).setScale(0, RoundingMode.DOWN).toBigIntegerExact();
  }

  /** The one delivery of request {@code id} on the chain, credited to this node. */
  private static InferenceFulfilledEventResponse fulfilledOnce(long id) {
    List<InferenceFulfilledEventResponse> all = record.fulfilments(id);
    assertThat(all).hasSize(1);
    assertThat(Address.of(all.get(0).provider)).isEqualTo(ME);
    return all.get(0);
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
    long window = p.ticket().deadline().getEpochSecond() - blockTime(p.block());
    assertThat(window).isEqualTo(Duration.ofMinutes(10).toSeconds());

    // the window is open: no callback, no payment, no settle, however long the node polls
    Thread.sleep(2_000);
    assertThat(answered(r.id())).isFalse();
    assertThat(coordinator.isPending(r.id())).isTrue();
    assertThat(record.fulfilments(r.id())).isEmpty();
    assertThat(coordinator.earningsOf(ME)).isEqualTo(earningsBefore);
    assertThat(record.sentToCoordinator(ME, r.block())).hasSize(1); // the proposal only
    assertThat(provider.proposals(r.id())).containsExactly(Proposal.State.WAITING);

    long closedAt = record.head() + 1; // the block evm_increaseTime mines
    windowPasses(p);
    long closedNanos = System.nanoTime();
    OnchainProvider.await("the consumer's callback", () -> answered(r.id()));
    long millis = (System.nanoTime() - closedNanos) / 1_000_000;
    OnchainProvider.await(
        "the settle recorded",
        () -> provider.proposals(r.id()).equals(List.of(Proposal.State.SETTLED)));

    assertThat(consumer.scoreOf(BigInteger.valueOf(r.id())).send()).isEqualTo(scoreMicros(output));
    InferenceFulfilledEventResponse delivered = fulfilledOnce(r.id());
    assertThat(delivered.callbackSucceeded).isTrue();
    assertThat(Bytes32.of(delivered.outputHash)).isEqualTo(Bytes32.keccak256(output));
    assertThat(coordinator.isPending(r.id())).isFalse();
    assertThat(coordinator.earningsOf(ME).compareTo(earningsBefore)).isPositive();
    List<ChainRecord.Sent> sent = record.sentToCoordinator(ME, r.block());
    assertThat(sent).hasSize(2).allMatch(ChainRecord.Sent::succeeded); // propose, settle
    assertThat(sent.get(1).hash()).isEqualTo(delivered.log.getTransactionHash());
    assertThat(provider.store().proposalsOf(r.id()).get(0).settleTx())
        .isEqualTo(sent.get(1).hash());
    assertThat(provider.metric("verinfer_onchain_settled_total")).isEqualTo(1.0);
    assertThat(provider.metric("verinfer_onchain_proposed_total")).isEqualTo(1.0);
    assertThat(provider.metric("verinfer_onchain_proposals_open")).isZero();
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
    provider.stop();
    windowPasses(p);
    SharedDevnet.mine();
    assertThat(answered(r.id())).isFalse();

    provider.restart();
    OnchainProvider.await("the consumer's callback", () -> answered(r.id()));
    OnchainProvider.await(
        "the settle recorded",
        () -> provider.proposals(r.id()).equals(List.of(Proposal.State.SETTLED)));
    assertThat(consumer.scoreOf(BigInteger.valueOf(r.id())).send())
        .isEqualTo(scoreMicros(engineOutput(r)));
    fulfilledOnce(r.id());
    assertThat(record.sentToCoordinator(ME, r.block()))
        .hasSize(2)
        .allMatch(ChainRecord.Sent::succeeded);
    assertThat(provider.states(r.id())).containsExactly(State.DONE); // not proposed again
  }

  @Test
  @Order(3)
  void aStopBetweenSendingTheSettleAndItsMiningNeitherLosesNorRepeatsIt() throws Exception {
    Requested r = requestOptimistic();
    Proposed p = proposed(r);
    ChainRecord.automine(false); // the settle will wait in the pool until the test mines
    long nonceBefore = record.pendingNonce(ME);
    windowPasses(p);
    OnchainProvider.await(
        "the settle sent", () -> provider.proposals(r.id()).equals(List.of(Proposal.State.SENT)));
    String tx = provider.store().proposalsOf(r.id()).get(0).settleTx();
    assertThat(record.pendingNonce(ME)).isEqualTo(nonceBefore + 1);

    provider.restart();
    Thread.sleep(2_000); // ten polls of the restarted node with its settle still in the pool
    assertThat(provider.proposals(r.id())).containsExactly(Proposal.State.SENT);
    assertThat(provider.store().proposalsOf(r.id()).get(0).settleTx()).isEqualTo(tx);
    assertThat(record.pendingNonce(ME)).isEqualTo(nonceBefore + 1); // nothing else sent
    assertThat(answered(r.id())).isFalse();

    SharedDevnet.mine();
    OnchainProvider.await(
        "the settle recorded",
        () -> provider.proposals(r.id()).equals(List.of(Proposal.State.SETTLED)));
    assertThat(answered(r.id())).isTrue();
    assertThat(fulfilledOnce(r.id()).log.getTransactionHash()).isEqualTo(tx);
    assertThat(record.sentToCoordinator(ME, r.block()))
        .hasSize(2)
        .allMatch(ChainRecord.Sent::succeeded);
    assertThat(provider.store().proposalsOf(r.id()).get(0).attempts()).isEqualTo(1);
    assertThat(provider.metric("verinfer_onchain_settled_total")).isEqualTo(1.0); // this run's
  }

  private static long blockTime(long block) {
    try {
      return SharedDevnet.web3j()
          .ethGetBlockByNumber(
              org.web3j.protocol.core.DefaultBlockParameter.valueOf(BigInteger.valueOf(block)),
              false)
          .send()
          .getBlock()
          .getTimestamp()
          .longValueExact();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
