package io.verinfer.chain;

import static io.verinfer.chain.testing.Reverts.assertReverts;
import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.bindings.FraudScoreConsumer;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Requested;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.Court;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * InferenceCoordinator on the devnet: a contract built on the Solidity SDK requests a score and
 * gets it by callback (its features encoded in Solidity and decoded here bit for bit), requests
 * chain from a callback, a silent provider is replaced, and every bad request or fulfilment reverts
 * with a named error leaving the requester's deposit where it was.
 */
class InferenceCoordinatorIT extends CourtScene {
  private static final long[] FEATURES_MICROS = {
    120_500_000, 22_000_000, 3_000_000, -35_250_000, 3_000_000, 400_000_000, 1_000_000, 0
  };

  private FraudScoreConsumer deployConsumer(TokenAmount maxFee) {
    return court.fraudScoreConsumer(maxFee, TokenAmount.of(1_000));
  }

  private static List<BigInteger> features() {
    return java.util.Arrays.stream(FEATURES_MICROS).mapToObj(BigInteger::valueOf).toList();
  }

  private static byte[] score(float value) {
    return CanonicalTensors.encode(
        List.of(Tensor.ofFloats("probabilities", new long[] {1, 1}, new float[] {value})));
  }

  private Requested only(TxResult tx) {
    List<Requested> found = coordinator.requested(tx);
    assertThat(found).hasSize(1);
    return found.get(0);
  }

  @Test
  void aContractGetsTheScoreByCallbackAndPaysTheProvidersPrice() throws Exception {
    FraudScoreConsumer consumer = deployConsumer(TokenAmount.of(50));
    Address consumerAddress = Address.of(consumer.getContractAddress());
    TxResult sent =
        court
            .challenger()
            .sender()
            .send(consumerAddress.value(), consumer.requestScore(features()).encodeFunctionCall());
    Requested r = only(sent);
    assertThat(r.ticket().requester()).isEqualTo(consumerAddress);
    assertThat(r.ticket().fee()).isEqualTo(TokenAmount.of(10)); // the Court's price
    // the assigned provider's price is reserved, not the maximum
    assertThat(coordinator.depositOf(consumerAddress)).isEqualTo(TokenAmount.of(990));
    // the features the contract encoded in Solidity decode to the same floats
    Tensor input = CanonicalTensors.decode(r.input()).get(0);
    assertThat(input.name()).isEqualTo("features");
    assertThat(input.shape()).containsExactly(1, 8);
    float[] expected = new float[FEATURES_MICROS.length];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = (float) (FEATURES_MICROS[i] / 1e6);
    }
    assertThat(input.toFloats()).containsExactly(expected);

    var provider = court.providerAt(r.ticket().provider());
    TxResult fulfilled = provider.coordinator().fulfil(r.id(), r.ticket(), score(0.8125f));
    assertThat(consumer.scoreOf(BigInteger.valueOf(r.id())).send()).isEqualTo(812_500);
    assertThat(consumer.answered(BigInteger.valueOf(r.id())).send()).isTrue();
    assertThat(coordinator.isPending(r.id())).isFalse();
    // price 10: 3% fee rounds to 0, royalty 1 to the author (once swept), 9 to the provider
    assertThat(r.ticket().royalty()).isEqualTo(TokenAmount.of(1));
    assertThat(r.ticket().protocolFee()).isEqualTo(TokenAmount.ZERO);
    assertThat(coordinator.depositOf(consumerAddress)).isEqualTo(TokenAmount.of(990));
    assertThat(coordinator.earningsOf(r.ticket().provider())).isEqualTo(TokenAmount.of(9));
    Address author = Actors.address(Actors.AUTHOR_0);
    TokenAmount authorBefore = coordinator.earningsOf(author);
    coordinator.sweepShares(court.model());
    assertThat(coordinator.earningsOf(author)).isEqualTo(authorBefore.plus(TokenAmount.of(1)));
    // a second fulfil, and a fulfil by anyone else, are refused
    assertReverts(
        () -> provider.coordinator().fulfil(r.id(), r.ticket(), score(0.1f)), "RequestNotPending");
    assertThat(consumer.scoreOf(BigInteger.valueOf(r.id())).send()).isEqualTo(812_500);
  }

  @Test
  void aCallbackCanChainTheNextRequest() throws Exception {
    FraudScoreConsumer consumer = deployConsumer(TokenAmount.of(50));
    Address consumerAddress = Address.of(consumer.getContractAddress());
    Requested first =
        only(
            court
                .challenger()
                .sender()
                .send(
                    consumerAddress.value(),
                    consumer
                        .requestChained(features(), BigInteger.valueOf(court.model().value()))
                        .encodeFunctionCall()));
    TxResult fulfilled =
        court
            .providerAt(first.ticket().provider())
            .coordinator()
            .fulfil(first.id(), first.ticket(), score(0.25f));
    Requested second = only(fulfilled); // requested from inside the callback
    assertThat(consumer.followUpOf(BigInteger.valueOf(first.id())).send())
        .isEqualTo(BigInteger.valueOf(second.id()));
    Tensor chainedInput = CanonicalTensors.decode(second.input()).get(0);
    assertThat(chainedInput.toFloats()).containsExactly(0.25f); // the first model's output
    court
        .providerAt(second.ticket().provider())
        .coordinator()
        .fulfil(second.id(), second.ticket(), score(0.5f));
    assertThat(consumer.scoreOf(BigInteger.valueOf(second.id())).send()).isEqualTo(500_000);
  }

  @Test
  void aSilentProviderIsReplacedAndAnUnansweredRequestRefunded() {
    var requester = court.challenger();
    requester.token().approve(coordinator.address(), TokenAmount.of(1_000));
    requester.coordinator().depositFor(requester.account(), TokenAmount.of(100));
    byte[] input =
        CanonicalTensors.encode(List.of(Tensor.ofFloats("x", new long[] {1, 1}, new float[] {1})));
    Requested r =
        requester.coordinator().request(court.model(), input, 0, TokenAmount.of(20), 50_000);
    assertThat(coordinator.depositOf(requester.account())).isEqualTo(TokenAmount.of(90));
    assertReverts(() -> coordinator.reassign(r.id(), r.ticket(), input), "NotExpired");
    assertReverts(() -> requester.coordinator().cancel(r.id(), r.ticket()), "NotExpired");
    long timeout = r.ticket().deadline().getEpochSecond() - SharedDevnet.latestTimestamp();
    SharedDevnet.increaseTime(timeout + 1);
    var silent = court.providerAt(r.ticket().provider());
    assertReverts(
        () -> silent.coordinator().fulfil(r.id(), r.ticket(), score(1)), "RequestExpired");

    Requested again = only(coordinator.reassign(r.id(), r.ticket(), input));
    assertThat(again.id()).isEqualTo(r.id());
    assertThat(again.ticket().provider()).isNotEqualTo(r.ticket().provider());
    assertThat(again.ticket().assignments()).isEqualTo(2);
    // the old ticket is gone: the first provider cannot answer any more
    assertReverts(
        () -> silent.coordinator().fulfil(r.id(), r.ticket(), score(1)), "RequestNotPending");

    SharedDevnet.increaseTime(timeout + 1);
    requester.coordinator().cancel(r.id(), again.ticket());
    assertThat(coordinator.depositOf(requester.account())).isEqualTo(TokenAmount.of(100));
    assertThat(coordinator.isPending(r.id())).isFalse();
  }

  /**
   * The coordinator assigns only above the reputation floor: with four of the court's five
   * providers reported down by the oracle (and their standings refreshed) every request goes to the
   * fifth; when the oracle reports them back up and the fifth down, the requests go to the others;
   * with all five down nothing is assigned (NoProviderAtFee) and the deposit stays.
   */
  @Test
  void requestsGoOnlyToProvidersAboveTheReputationFloor() {
    var requester = court.challenger();
    requester.token().approve(coordinator.address(), TokenAmount.of(1_000));
    requester.coordinator().depositFor(requester.account(), TokenAmount.of(500));
    var facade = requester.coordinator();
    byte[] input =
        CanonicalTensors.encode(List.of(Tensor.ofFloats("x", new long[] {1, 1}, new float[] {1})));
    ModelId model = court.model();
    var oracleScene =
        new io.verinfer.chain.testing.OracleScene(actors, List.of(4, 5, 6, 7)).joinAll();
    List<Address> all =
        io.verinfer.protocol.oracle.Observation.sorted(
            java.util.stream.IntStream.range(0, Court.PROVIDERS)
                .mapToObj(Court::providerAddress)
                .toList());
    Address good = Court.providerAddress(2);
    var reputation = actors.admin().reputation();

    reportAllBut(oracleScene, model, all, good);
    for (Address p : all) {
      assertThat(reputation.meetsFloor(model, p)).as("%s", p).isEqualTo(p.equals(good));
      var standing = actors.admin().providers().standingOf(p, model);
      assertThat(standing.recorded()).isTrue();
      assertThat(standing.belowFloor()).isEqualTo(!p.equals(good));
      assertThat(standing.score()).isEqualTo(reputation.scoreOf(model, p));
    }
    java.util.Set<Address> assigned = new java.util.HashSet<>();
    for (int i = 0; i < 8; i++) {
      assigned.add(facade.request(model, input, 0, TokenAmount.of(20), 50_000).ticket().provider());
    }
    assertThat(assigned).as("8 requests with 4 of 5 providers down").containsOnly(good);

    reportOnly(oracleScene, model, all, good); // the others recover, the one that served is down
    assigned.clear();
    for (int i = 0; i < 8; i++) {
      assigned.add(facade.request(model, input, 0, TokenAmount.of(20), 50_000).ticket().provider());
    }
    assertThat(assigned).doesNotContain(good).isNotEmpty();

    int upScore = reputation.scoreOf(model, all.get(all.indexOf(good) == 0 ? 1 : 0));
    reportAllBut(oracleScene, model, all, null);
    TokenAmount before = coordinator.depositOf(requester.account());
    assertReverts(
        () -> facade.request(model, input, 0, TokenAmount.of(20), 50_000), "NoProviderAtFee");
    assertThat(coordinator.depositOf(requester.account())).isEqualTo(before);
    System.out.printf(
        "InferenceCoordinatorIT: floor %d bps; a down provider scores %d, an up one %d%n",
        reputation.params().floorBps(), reputation.scoreOf(model, good), upScore);
  }

  /** One oracle report: every provider down except {@code up} (null: all down). */
  private static void reportAllBut(
      io.verinfer.chain.testing.OracleScene scene, ModelId model, List<Address> all, Address up) {
    report(scene, model, all, p -> p.equals(up));
  }

  /** One oracle report: every provider up except {@code down}. */
  private static void reportOnly(
      io.verinfer.chain.testing.OracleScene scene, ModelId model, List<Address> all, Address down) {
    report(scene, model, all, p -> !p.equals(down));
  }

  private static void report(
      io.verinfer.chain.testing.OracleScene scene,
      ModelId model,
      List<Address> all,
      java.util.function.Predicate<Address> isUp) {
    List<io.verinfer.protocol.oracle.Figures> v =
        all.stream()
            .map(
                p ->
                    isUp.test(p)
                        ? new io.verinfer.protocol.oracle.Figures(10_000, 5, 10_000)
                        : io.verinfer.protocol.oracle.Figures.DOWN)
            .toList();
    long epoch = scene.nextEpoch();
    scene.report(model.value(), epoch, all, List.of(0, 1, 2, 3), List.of(v, v, v, v));
    // anyone records the new standings where picks read them (the adapters do, after a report)
    scene.adapter(0).providers().refreshStandings(model, all);
  }

  @Test
  void badRequestsRevertWithNamedErrorsAndKeepTheDeposit() {
    var requester = court.challenger();
    requester.token().approve(coordinator.address(), TokenAmount.of(1_000));
    requester.coordinator().depositFor(requester.account(), TokenAmount.of(100));
    var facade = requester.coordinator();
    byte[] input =
        CanonicalTensors.encode(List.of(Tensor.ofFloats("x", new long[] {1, 1}, new float[] {1})));
    ModelId model = court.model();

    assertReverts(
        () -> facade.request(ModelId.of(999_999), input, 0, TokenAmount.of(20), 50_000),
        "UnknownOrDeprecatedModel");
    int maxBytes = 4 * 1024;
    assertReverts(
        () -> facade.request(model, new byte[maxBytes + 1], 0, TokenAmount.of(20), 50_000),
        "InputTooLarge");
    assertReverts(
        () -> facade.request(model, input, 0, TokenAmount.of(9), 50_000), "NoProviderAtFee");
    assertReverts(
        () -> facade.request(model, input, 0, TokenAmount.of(20), 1_000), "CallbackGasTooLow");
    assertReverts(
        () -> facade.request(model, input, 7, TokenAmount.of(20), 50_000), "UnsupportedMode");
    assertThat(coordinator.depositOf(requester.account())).isEqualTo(TokenAmount.of(100));
    var poor = actors.consumer(1);
    poor.token().approve(coordinator.address(), TokenAmount.of(5));
    poor.coordinator().depositFor(poor.account(), TokenAmount.of(5));
    assertReverts(
        () -> poor.coordinator().request(model, input, 0, TokenAmount.of(20), 50_000),
        "InsufficientDeposit");
    assertThat(coordinator.depositOf(poor.account())).isEqualTo(TokenAmount.of(5));

    Requested r = facade.request(model, input, 0, TokenAmount.of(20), 50_000);
    var outsider = actors.account(Actors.OUTSIDER).coordinator();
    assertReverts(() -> outsider.fulfil(r.id(), r.ticket(), score(1)), "NotAssignedProvider");
    assertThat(coordinator.isPending(r.id())).isTrue();
    assertThat(coordinator.depositOf(requester.account())).isEqualTo(TokenAmount.of(90));

    // a deprecated model takes no new request
    actors.author(0).models().deprecate(model);
    assertReverts(
        () -> facade.request(model, input, 0, TokenAmount.of(20), 50_000),
        "UnknownOrDeprecatedModel");
    assertThat(coordinator.depositOf(requester.account())).isEqualTo(TokenAmount.of(90));
  }
}
