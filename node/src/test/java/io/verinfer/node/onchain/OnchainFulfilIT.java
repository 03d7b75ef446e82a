package io.verinfer.node.onchain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.Deployment;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.bindings.FraudScoreConsumer;
import io.verinfer.chain.bindings.InferenceCoordinator.InferenceFulfilledEventResponse;
import io.verinfer.chain.facade.InferenceCoordinatorFacade;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Requested;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.chain.testing.TcpProxy;
import io.verinfer.node.onchain.Assignment.State;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.net.URI;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real paid provider node serving the real {@code fraud-detect} model on the shared devnet
 * ({@link OnchainProvider}) answers on-chain requests with nobody driving it: a contract's request
 * and its callback, a stop and restart on the same state between seeing a request and answering it
 * (and between sending the answer and its mining), and an RPC outage during which requests arrive.
 * The node is the model's only provider, so every request is assigned to it; it acts one
 * confirmation deep.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OnchainFulfilIT {
  @RegisterExtension static final OnchainScene scene = new OnchainScene();
  private static final Address ME = OnchainScene.ME;
  private static final byte[] INPUT =
      CanonicalTensors.encode(
          List.of(
              Tensor.ofFloats(
                  "features", new long[] {1, 8}, new float[] {120, 22, 2, 35, 3, 400, 1, 0})));

  private static ModelId model;
  private static VerinferChain requester;

  @BeforeAll
  static void fundTheRequester() {
    model = scene.provider.model();
    requester = scene.actors.consumer(0);
    InferenceCoordinatorFacade coordinator = requester.coordinator();
    requester.token().approve(coordinator.address(), TokenAmount.of(1_000_000));
    coordinator.depositFor(requester.account(), TokenAmount.of(100_000));
  }

  private static void restart(Deployment deployment, UnaryOperator<OnchainSettings> tweak) {
    scene.provider.restart(deployment, tweak);
  }

  private static SqliteRequestStore store() {
    return scene.provider.store();
  }

  private static List<State> states(long id) {
    return scene.provider.states(id);
  }

  private static double metric(String series) {
    return scene.provider.metric(series);
  }

  private static void await(String what, BooleanSupplier done) throws InterruptedException {
    OnchainProvider.await(what, done);
  }

  private static Requested requestAsEoa() {
    return requester.coordinator().request(model, INPUT, 0, OnchainScene.MAX_FEE, 50_000);
  }

  /** The one fulfilment of request {@code id} on the chain, from this node. */
  private static InferenceFulfilledEventResponse fulfilledOnce(long id) {
    return scene.fulfilledOnce(id);
  }

  @Test
  @Order(1)
  void aContractsRequestIsAnsweredByCallbackWithTheScoreTheEngineComputes() throws Exception {
    VerinferChain owner = scene.actors.consumer(1);
    InferenceCoordinatorFacade coordinator = owner.coordinator();
    FraudScoreConsumer consumer = scene.deployConsumer(owner);
    TokenAmount earningsBefore = coordinator.earningsOf(ME);

    long sentAt = System.nanoTime();
    Requested r = OnchainScene.requestScore(owner, consumer, false);
    assertThat(r.ticket().provider()).isEqualTo(ME);
    // one confirmation: the node leaves the request alone while its block is the head
    Thread.sleep(1_500);
    assertThat(states(r.id())).isEmpty();
    SharedDevnet.mine();
    await("the consumer's callback", () -> OnchainScene.answered(consumer, r.id()));
    long millis = (System.nanoTime() - sentAt) / 1_000_000;

    // what the node's own engine computes for the features the contract encoded
    List<Tensor> input = CanonicalTensors.decode(r.input());
    float[] expected = new float[OnchainScene.FEATURES_MICROS.length];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = (float) (OnchainScene.FEATURES_MICROS[i] / 1e6);
    }
    assertThat(input.get(0).toFloats()).containsExactly(expected);
    List<Tensor> local = scene.provider.node().engine().infer("fraud-detect", input);
    float p = local.get(0).toFloats()[0];
    BigInteger micros = OnchainScene.scoreMicros(p);
    assertThat(consumer.scoreOf(BigInteger.valueOf(r.id())).send()).isEqualTo(micros);

    InferenceFulfilledEventResponse fulfilled = fulfilledOnce(r.id());
    assertThat(fulfilled.callbackSucceeded).isTrue();
    assertThat(Bytes32.of(fulfilled.outputHash)).isEqualTo(CanonicalTensors.hash(local));
    assertThat(coordinator.isPending(r.id())).isFalse();
    assertThat(coordinator.earningsOf(ME).compareTo(earningsBefore)).isPositive();
    assertThat(states(r.id())).containsExactly(State.DONE);
    assertThat(metric("verinfer_onchain_fulfilled_total")).isEqualTo(1.0);
    assertThat(metric("verinfer_onchain_requests_seen_total")).isEqualTo(1.0);
    long fulfilBlock = fulfilled.log.getBlockNumber().longValueExact();
    List<ChainRecord.Sent> sent = scene.record.sentToCoordinator(ME, r.block());
    assertThat(sent).hasSize(1).allMatch(ChainRecord.Sent::succeeded);
    System.out.printf(
        "on-chain request %d: score %s (p = %s) requested in block %d, confirmed in %d, fulfilled"
            + " in %d (%d blocks after the request), %d ms from request to callback; fulfil gas"
            + " used %s (callback limit %d, the node's gas limit floor %s)%n",
        r.id(),
        micros,
        p,
        r.block(),
        r.block() + 1,
        fulfilBlock,
        fulfilBlock - r.block(),
        millis,
        sent.get(0).gasUsed(),
        r.ticket().callbackGasLimit(),
        GasPolicy.defaults().minGasLimit(r.ticket().callbackGasLimit()));
  }

  @Test
  @Order(2)
  void aRequestSeenBeforeAStopIsFulfilledOnceAfterTheRestart() throws Exception {
    // gas dearer than the node's cap: it records the request and waits
    restart(
        SharedDevnet.get().deployment(),
        s -> s.withGas(GasPolicy.defaults().withMaxGasPrice(BigInteger.ONE)));
    Requested r = requestAsEoa();
    SharedDevnet.mine();
    await("request " + r.id() + " seen", () -> states(r.id()).equals(List.of(State.SEEN)));
    await("a gas wait", () -> metric("verinfer_onchain_gas_waits_total") >= 1);
    assertThat(scene.record.sentToCoordinator(ME, r.block())).isEmpty();

    restart(SharedDevnet.get().deployment(), s -> s);
    await("request " + r.id() + " done", () -> states(r.id()).equals(List.of(State.DONE)));
    InferenceFulfilledEventResponse fulfilled = fulfilledOnce(r.id());
    List<ChainRecord.Sent> sent = scene.record.sentToCoordinator(ME, r.block());
    assertThat(sent).hasSize(1).allMatch(ChainRecord.Sent::succeeded);
    assertThat(sent.get(0).hash()).isEqualTo(fulfilled.log.getTransactionHash());
    assertThat(store().ofRequest(r.id()).get(0).fulfilTx()).isEqualTo(sent.get(0).hash());
  }

  @Test
  @Order(3)
  void aStopBetweenSendingAndMiningNeitherLosesNorRepeatsTheFulfilment() throws Exception {
    Requested r = requestAsEoa();
    SharedDevnet.automine(false); // the fulfilment will wait in the pool until the test mines
    long nonceBefore = scene.record.pendingNonce(ME);
    SharedDevnet.mine(); // the request's confirmation
    await("the fulfilment sent", () -> states(r.id()).equals(List.of(State.SENT)));
    String tx = store().ofRequest(r.id()).get(0).fulfilTx();
    scene.assertOneSentSince(nonceBefore);

    restart(SharedDevnet.get().deployment(), s -> s);
    Thread.sleep(2_000); // ten polls of the restarted node with its fulfilment still in the pool
    assertThat(states(r.id())).containsExactly(State.SENT);
    assertThat(store().ofRequest(r.id()).get(0).fulfilTx()).isEqualTo(tx);
    assertThat(scene.record.pendingNonce(ME)).isEqualTo(nonceBefore + 1); // nothing else sent

    SharedDevnet.mine();
    await("request " + r.id() + " done", () -> states(r.id()).equals(List.of(State.DONE)));
    assertThat(fulfilledOnce(r.id()).log.getTransactionHash()).isEqualTo(tx);
    assertThat(scene.record.sentToCoordinator(ME, r.block()))
        .hasSize(1)
        .allMatch(ChainRecord.Sent::succeeded);
    assertThat(store().ofRequest(r.id()).get(0).attempts()).isEqualTo(1);
  }

  @Test
  @Order(4)
  void requestsThatArriveDuringAnRpcOutageAreFulfilledOnceTheRpcIsBack() throws Exception {
    Deployment direct = SharedDevnet.get().deployment();
    try (TcpProxy proxy = new TcpProxy(direct.rpcUrl().getPort()).start()) {
      restart(direct.withRpcUrl(URI.create("http://127.0.0.1:" + proxy.port() + "/")), s -> s);
      proxy.stop();
      long outageStart = System.nanoTime();
      Requested first = requestAsEoa();
      Requested second = requestAsEoa();
      SharedDevnet.mine();
      Thread.sleep(3_000);
      assertThat(states(first.id())).isEmpty();
      assertThat(requester.coordinator().isPending(first.id())).isTrue();
      double failedPolls = metric("verinfer_onchain_log_poll_failures_total");
      assertThat(failedPolls).isPositive();

      proxy.start();
      long backAt = System.nanoTime();
      await(
          "both requests done",
          () ->
              states(first.id()).equals(List.of(State.DONE))
                  && states(second.id()).equals(List.of(State.DONE)));
      long catchUp = (System.nanoTime() - backAt) / 1_000_000;
      fulfilledOnce(first.id());
      fulfilledOnce(second.id());
      assertThat(scene.record.sentToCoordinator(ME, first.block()))
          .hasSize(2)
          .allMatch(ChainRecord.Sent::succeeded);
      System.out.printf(
          "RPC outage of %d ms: %.0f failed log polls; both requests fulfilled %d ms after the RPC"
              + " came back%n",
          (backAt - outageStart) / 1_000_000, failedPolls, catchUp);
    }
  }
}
